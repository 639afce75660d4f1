package seed

import (
	"hash/fnv"
	"math/rand/v2"
)

// keyer makes staff keys: a keyed 64-bit permutation of a person's running
// number (xor with a key, the splitmix64 finaliser, xor with a second key,
// the finaliser again). A permutation never maps two numbers to one key, so
// keys are unique; the keys come from the seed, so another seed gives other
// keys for the same people.
type keyer struct{ k1, k2 uint64 }

func newKeyer(seed int64, profile string) keyer {
	h := fnv.New64a()
	_, _ = h.Write([]byte("camino-staff-key/" + profile))
	s := h.Sum64()
	return keyer{k1: mix64(s ^ uint64(seed)), k2: mix64(s + 0x9e3779b97f4a7c15*uint64(seed))}
}

// key returns the staff key of person number n (n > 0), never 0.
func (k keyer) key(n uint64) uint64 {
	x := mix64(n ^ k.k1)
	x = mix64(x ^ k.k2)
	if x == 0 {
		// One number in 2^64 maps to 0; give it the key that 0 would have had
		// (0 is never a person's number).
		x = mix64(mix64(k.k1) ^ k.k2)
	}
	return x
}

// mix64 is the splitmix64 finaliser, a bijection on uint64.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Stream ids: each purpose draws from its own PCG stream, so changing how
// one part draws does not reshuffle the others.
const (
	streamGeography uint64 = iota + 1
	streamEnrollment
	streamCareers
	streamMembers
	streamNational
)

// newRNG returns the PCG stream of purpose for seed (sub tells apart the
// streams of one purpose, e.g. one per district).
func newRNG(seed int64, purpose, sub uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix64(uint64(seed)^mix64(purpose)), mix64(sub+purpose<<56)))
}
