package ingest

import "hash/maphash"

// hashSet is a set of 64-bit row hashes (open addressing, linear probing):
// 8 bytes a slot, at most 3/4 full, so n rows need 8·2^⌈log2(4n/3)⌉ bytes and
// half as much again while it grows (5M rows: 64 MiB, 96 MiB at the peak).
// Two different rows share a hash with probability about n²/2^65 (5M rows:
// under one in a million); such a row would be rejected as a duplicate.
type hashSet struct {
	slots []uint64
	n     int
}

// add inserts h and reports whether it was new.
func (s *hashSet) add(h uint64) bool {
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

func (s *hashSet) grow() {
	old := s.slots
	size := 1024
	if len(old) > 0 {
		size = 2 * len(old)
	}
	s.slots = make([]uint64, size)
	mask := uint64(size - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// dedup finds rows whose key was seen before in the same file.
type dedup struct {
	seen hashSet
	seed maphash.Seed
}

func newDedup() dedup { return dedup{seed: maphash.MakeSeed()} }

// firstSeen records key and reports whether it is new (a row with a key
// seen before is a duplicate).
func firstSeen[K comparable](d *dedup, key K) bool {
	return d.seen.add(maphash.Comparable(d.seed, key))
}
