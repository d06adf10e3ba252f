package netsim

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		imp  Impairment
		want error
	}{
		{Impairment{}, nil},
		{Impairment{Loss: 1, Duplicate: 1, Reorder: 1}, nil},
		{Impairment{Latency: 10 * time.Millisecond, Jitter: time.Second}, nil}, // jitter > latency: clamped
		{Impairment{Loss: 1.5}, ErrProbability},
		{Impairment{Loss: -0.1}, ErrProbability},
		{Impairment{Loss: math.NaN()}, ErrProbability},
		{Impairment{Duplicate: 2}, ErrProbability},
		{Impairment{Reorder: -1}, ErrProbability},
		{Impairment{Latency: -time.Millisecond}, ErrNegative},
		{Impairment{Jitter: -time.Millisecond}, ErrNegative},
		{Impairment{QueueLimit: -1}, ErrQueueLimit},
		{Impairment{QueueLimit: MaxQueueLimit + 1}, ErrQueueLimit},
	} {
		err := c.imp.Validate()
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%+v: Validate() = %v, want %v", c.imp, err, c.want)
		}
	}
	if _, err := NewPacketConn(nil, Impairment{Loss: 2}, Impairment{}); !errors.Is(err, ErrProbability) {
		t.Errorf("NewPacketConn: %v", err)
	}
	if _, err := NewProxy(Config{Listen: "127.0.0.1:0", Target: "127.0.0.1:9", Down: Impairment{Jitter: -1}}); !errors.Is(err, ErrNegative) {
		t.Errorf("NewProxy: %v", err)
	}
	if _, err := NewProxy(Config{Listen: "127.0.0.1:0"}); !errors.Is(err, ErrConfig) {
		t.Errorf("NewProxy without target: %v", err)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]uint64{
		"0":        0,
		"1mbit":    1_000_000,
		"1MBit":    1_000_000,
		"500kbit":  500_000,
		"1.5mbit":  1_500_000,
		"8000":     8000,
		"8000bit":  8000,
		"2gbit":    2_000_000_000,
		"1tbit":    1_000_000_000_000,
		"1kibit":   1024,
		"1mibit":   1 << 20,
		"100kbps":  800_000, // tc: bps is bytes per second
		"1mbps":    8_000_000,
		"10bps":    80,
		"1kibps":   8192,
		" 64kbit ": 64_000,
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "mbit", "fast", "-1mbit", "1e6bit", "0x10bit", "inf", "NaN", "1mbitx", "0.5bit", "1e30", "99999999999tbit"} {
		if got, err := ParseRate(in); !errors.Is(err, ErrRate) {
			t.Errorf("ParseRate(%q) = %d, %v; want ErrRate", in, got, err)
		}
	}
	for bps, want := range map[uint64]string{0: "0bit", 999: "999bit", 1000: "1kbit", 1_500_000: "1.5mbit", 2_000_000_000: "2gbit"} {
		if got := FormatRate(bps); got != want {
			t.Errorf("FormatRate(%d) = %q, want %q", bps, got, want)
		}
		if r, err := ParseRate(FormatRate(bps)); err != nil || r != bps {
			t.Errorf("ParseRate(FormatRate(%d)) = %d, %v", bps, r, err)
		}
	}
}

func TestImpairmentString(t *testing.T) {
	if s := (Impairment{}).String(); s != "none" {
		t.Errorf("zero: %q", s)
	}
	imp := Impairment{Loss: 0.1, Latency: 50 * time.Millisecond, Jitter: 20 * time.Millisecond, Duplicate: 0.02, Reorder: 0.05, Rate: 1e6}
	if s, want := imp.String(), "loss=0.1 latency=50ms jitter=20ms dup=0.02 reorder=0.05 rate=1mbit queue=1000"; s != want {
		t.Errorf("got %q, want %q", s, want)
	}
}
