package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c Config
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return &c, c.Resolve(fs, func(k string) string { return env[k] })
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database != "camino" || c.Listen != "localhost:8080" || c.ClickHouseAddr != "" || c.QueryTimeout != 30*time.Second {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestFlagBeatsEnvBeatsDefault(t *testing.T) {
	c, err := parse(t, []string{"--database", "fromflag"}, map[string]string{
		"CAMINO_DATABASE": "fromenv", "CAMINO_LISTEN": "127.0.0.1:9999", "CAMINO_QUERY_TIMEOUT": "5s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Database != "fromflag" || c.Listen != "127.0.0.1:9999" || c.QueryTimeout != 5*time.Second {
		t.Fatalf("got %+v", c)
	}
}

func TestInvalidSettingsNameTheSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--database", "camino; DROP TABLE x"}, nil, "CAMINO_DATABASE"},
		{[]string{"--database", "1abc"}, nil, "CAMINO_DATABASE"},
		{nil, map[string]string{"CAMINO_CLICKHOUSE_ADDR": "localhost"}, "CAMINO_CLICKHOUSE_ADDR"},
		{nil, map[string]string{"CAMINO_CLICKHOUSE_ADDR": "localhost:99999"}, "CAMINO_CLICKHOUSE_ADDR"},
		{[]string{"--listen", "nonsense"}, nil, "CAMINO_LISTEN"},
		{nil, map[string]string{"CAMINO_QUERY_TIMEOUT": "soon"}, "CAMINO_QUERY_TIMEOUT"},
		{[]string{"--query-timeout", "1ms"}, nil, "CAMINO_QUERY_TIMEOUT"},
		{[]string{"--log-level", "loud"}, nil, "CAMINO_LOG_LEVEL"},
		{nil, map[string]string{"CAMINO_DATABASE": strings.Repeat("a", 5000)}, "CAMINO_DATABASE"},
	}
	for _, c := range cases {
		_, err := parse(t, c.args, c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("args %v env %v: err = %v, want one naming %s", c.args, c.env, err, c.want)
		}
	}
}
