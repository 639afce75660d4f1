package config

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Config is every setting a camino command may use.
type Config struct {
	// ClickHouseAddr is host:port of ClickHouse's native protocol. Empty:
	// start a local clickhouse-server with its data under DataDir.
	ClickHouseAddr     string
	ClickHouseUser     string
	ClickHousePassword string
	// ClickHouseWriterUser and its password are the credentials of the
	// commands that write (load, seed, migrate, keys, warehouse clean, and
	// serve's own start-up writes); empty: ClickHouseUser's. In
	// production ClickHouseUser is the read-only one serve answers with.
	ClickHouseWriterUser     string
	ClickHouseWriterPassword string
	Database                 string
	Listen                   string
	DataDir                  string
	QueryTimeout             time.Duration
	LogLevel                 string
	AssetsDir                string
	// StaffKeyFile holds the secret that turns district staff ids into
	// staff keys (camino load); CAMINO_STAFF_KEY_SECRET may give it instead.
	StaffKeyFile string
	// SuppressBelow is the small-cell threshold of partner and public
	// output: counts below it are suppressed.
	SuppressBelow int
	// Each key's share of a serving process (camino serve): requests a
	// second and their burst, requests in flight, and seconds of request
	// time a second averaged over KeyTimeWindow. Negative: no limit.
	KeyRate       float64
	KeyBurst      int
	KeyInFlight   int
	KeyTime       float64
	KeyTimeWindow time.Duration
	// Failed authentications a second one client address may make, and
	// their burst. Negative: no limit.
	FailedAuthRate  float64
	FailedAuthBurst int
}

// setting describes one option: its flag, its env variable and its default.
type setting struct {
	flag, env, def, usage string
	str                   *string
	dur                   *time.Duration
	num                   *int
	flt                   *float64
}

func (c *Config) settings() []setting {
	return []setting{
		{flag: "clickhouse-addr", env: "CAMINO_CLICKHOUSE_ADDR", usage: "ClickHouse native address host:port (empty: start a local clickhouse-server under --data-dir)", str: &c.ClickHouseAddr},
		{flag: "clickhouse-user", env: "CAMINO_CLICKHOUSE_USER", def: "default", usage: "ClickHouse user", str: &c.ClickHouseUser},
		{flag: "clickhouse-password", env: "CAMINO_CLICKHOUSE_PASSWORD", usage: "ClickHouse password (prefer the environment variable)", str: &c.ClickHousePassword},
		{flag: "clickhouse-writer-user", env: "CAMINO_CLICKHOUSE_WRITER_USER", usage: "ClickHouse user of the commands that write (load, seed, migrate, keys, warehouse clean, serve's start-up migrations); default: --clickhouse-user", str: &c.ClickHouseWriterUser},
		{flag: "clickhouse-writer-password", env: "CAMINO_CLICKHOUSE_WRITER_PASSWORD", usage: "password of --clickhouse-writer-user (prefer the environment variable)", str: &c.ClickHouseWriterPassword},
		{flag: "database", env: "CAMINO_DATABASE", def: "camino", usage: "ClickHouse database", str: &c.Database},
		{flag: "listen", env: "CAMINO_LISTEN", def: "localhost:8080", usage: "HTTP listen address", str: &c.Listen},
		{flag: "data-dir", env: "CAMINO_DATA_DIR", def: ".camino", usage: "directory for the local ClickHouse's data", str: &c.DataDir},
		{flag: "query-timeout", env: "CAMINO_QUERY_TIMEOUT", def: "30s", usage: "maximum time a warehouse query may run", dur: &c.QueryTimeout},
		{flag: "log-level", env: "CAMINO_LOG_LEVEL", def: "info", usage: "log level: debug, info, warn, error", str: &c.LogLevel},
		{flag: "staff-key-file", env: "CAMINO_STAFF_KEY_FILE", usage: "file holding the secret (≥ 16 bytes) that turns staff ids into staff keys; or set CAMINO_STAFF_KEY_SECRET", str: &c.StaffKeyFile},
		{flag: "assets-dir", env: "CAMINO_ASSETS_DIR", def: "web/node_modules", usage: "directory of front-end packages installed by npm (make assets)", str: &c.AssetsDir},
		{flag: "suppress-below", env: "CAMINO_SUPPRESS_BELOW", def: "10", usage: "small-cell threshold: in partner and public output, counts below it are suppressed (2-1000)", num: &c.SuppressBelow},
		{flag: "key-rate", env: "CAMINO_KEY_RATE", def: "20", usage: "serve: requests a second one API key may send (then 429 with Retry-After; -1: no limit)", flt: &c.KeyRate},
		{flag: "key-burst", env: "CAMINO_KEY_BURST", def: "40", usage: "serve: requests one key may send at once above its rate", num: &c.KeyBurst},
		{flag: "key-in-flight", env: "CAMINO_KEY_IN_FLIGHT", def: "4", usage: "serve: requests one key may have in progress at once (-1: no limit)", num: &c.KeyInFlight},
		{flag: "key-time", env: "CAMINO_KEY_TIME", def: "2", usage: "serve: seconds of request time one key may use a second, averaged over --key-time-window (-1: no limit)", flt: &c.KeyTime},
		{flag: "key-time-window", env: "CAMINO_KEY_TIME_WINDOW", def: "60s", usage: "serve: the window --key-time is averaged over (a key may use key-time × window seconds at once)", dur: &c.KeyTimeWindow},
		{flag: "failed-auth-rate", env: "CAMINO_FAILED_AUTH_RATE", def: "10", usage: "serve: failed authentications a second one client address may make (-1: no limit)", flt: &c.FailedAuthRate},
		{flag: "failed-auth-burst", env: "CAMINO_FAILED_AUTH_BURST", def: "20", usage: "serve: failed authentications one address may make at once above that rate", num: &c.FailedAuthBurst},
	}
}

// Register adds every setting's flag to fs. Call Resolve after fs.Parse.
func (c *Config) Register(fs *flag.FlagSet) {
	for _, s := range c.settings() {
		usage := fmt.Sprintf("%s (env %s)", s.usage, s.env)
		switch {
		case s.str != nil:
			fs.StringVar(s.str, s.flag, s.def, usage)
		case s.num != nil:
			n, _ := strconv.Atoi(s.def)
			fs.IntVar(s.num, s.flag, n, usage)
		case s.flt != nil:
			f, _ := strconv.ParseFloat(s.def, 64)
			fs.Float64Var(s.flt, s.flag, f, usage)
		default:
			d, _ := time.ParseDuration(s.def)
			fs.DurationVar(s.dur, s.flag, d, usage)
		}
	}
}

// Resolve applies environment variables to settings whose flag was not
// given, then validates. getenv is os.Getenv in production.
func (c *Config) Resolve(fs *flag.FlagSet, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range c.settings() {
		if given[s.flag] {
			continue
		}
		v, ok := lookup(getenv, s.env)
		if !ok {
			continue
		}
		if s.str != nil {
			*s.str = v
			continue
		}
		if s.num != nil {
			n, err := strconv.Atoi(v)
			if err != nil {
				return apperr.Errorf(apperr.Invalid, "%s=%q is not a whole number", s.env, v)
			}
			*s.num = n
			continue
		}
		if s.flt != nil {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return apperr.Errorf(apperr.Invalid, "%s=%q is not a number", s.env, v)
			}
			*s.flt = f
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return apperr.Errorf(apperr.Invalid, "%s=%q is not a duration (e.g. 30s, 2m)", s.env, v)
		}
		*s.dur = d
	}
	return c.Validate()
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// Validate checks every setting and names the first bad one.
func (c *Config) Validate() error {
	if c.ClickHouseAddr != "" {
		if err := checkHostPort(c.ClickHouseAddr); err != nil {
			return apperr.Errorf(apperr.Invalid, "--clickhouse-addr / CAMINO_CLICKHOUSE_ADDR %q: %v", c.ClickHouseAddr, err)
		}
	}
	if !warehouse.ValidIdent(c.Database) {
		return apperr.Errorf(apperr.Invalid, "--database / CAMINO_DATABASE %q: want letters, digits and underscores, not starting with a digit", c.Database)
	}
	if c.ClickHouseUser == "" {
		return apperr.Errorf(apperr.Invalid, "--clickhouse-user / CAMINO_CLICKHOUSE_USER is empty")
	}
	if err := checkHostPort(c.Listen); err != nil {
		return apperr.Errorf(apperr.Invalid, "--listen / CAMINO_LISTEN %q: %v", c.Listen, err)
	}
	if c.QueryTimeout < time.Second || c.QueryTimeout > time.Hour {
		return apperr.Errorf(apperr.Invalid, "--query-timeout / CAMINO_QUERY_TIMEOUT %s: want between 1s and 1h", c.QueryTimeout)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return apperr.Errorf(apperr.Invalid, "--log-level / CAMINO_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.DataDir == "" {
		return apperr.Errorf(apperr.Invalid, "--data-dir / CAMINO_DATA_DIR is empty")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"--key-rate / CAMINO_KEY_RATE", c.KeyRate}, {"--key-time / CAMINO_KEY_TIME", c.KeyTime},
		{"--failed-auth-rate / CAMINO_FAILED_AUTH_RATE", c.FailedAuthRate}, {"--key-in-flight / CAMINO_KEY_IN_FLIGHT", float64(c.KeyInFlight)}} {
		if f.v == 0 || f.v != f.v || f.v > 1e6 {
			return apperr.Errorf(apperr.Invalid, "%s %g: want a positive number, or -1 for no limit", f.name, f.v)
		}
	}
	if c.KeyBurst < 1 || c.FailedAuthBurst < 1 {
		return apperr.Errorf(apperr.Invalid, "--key-burst / CAMINO_KEY_BURST and --failed-auth-burst / CAMINO_FAILED_AUTH_BURST: want at least 1")
	}
	if c.KeyTimeWindow < time.Second || c.KeyTimeWindow > 24*time.Hour {
		return apperr.Errorf(apperr.Invalid, "--key-time-window / CAMINO_KEY_TIME_WINDOW %s: want between 1s and 24h", c.KeyTimeWindow)
	}
	if c.SuppressBelow < 2 || c.SuppressBelow > 1000 {
		return apperr.Errorf(apperr.Invalid, "--suppress-below / CAMINO_SUPPRESS_BELOW %d: want a count between 2 and 1000", c.SuppressBelow)
	}
	return nil
}

func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want host:port")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("port %q is not a number between 0 and 65535", port)
	}
	return nil
}

// Writer returns the user and password of the commands that write.
func (c *Config) Writer() (user, password string) {
	if c.ClickHouseWriterUser == "" {
		return c.ClickHouseUser, c.ClickHousePassword
	}
	return c.ClickHouseWriterUser, c.ClickHouseWriterPassword
}

// SeparateWriter is whether writes use other credentials than reads.
func (c *Config) SeparateWriter() bool {
	return c.ClickHouseWriterUser != "" && c.ClickHouseWriterUser != c.ClickHouseUser
}
