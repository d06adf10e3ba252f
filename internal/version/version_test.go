package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go install @version", debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "v0.3.0"},
		{"no information", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"checkout", debug.BuildInfo{
			Main:     debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "f4af4da1c2e3f4af4da1c2e3"}, {Key: "vcs.modified", Value: "false"}},
		}, "dev+f4af4da1c2e3"},
		{"dirty checkout", debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20250101000000-f4af4da1c2e3+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "f4af4da1c2e3f4af4da1c2e3"}, {Key: "vcs.modified", Value: "true"}},
		}, "dev+f4af4da1c2e3-dirty"},
	} {
		if got := fromBuildInfo(&tc.info); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestLdflags(t *testing.T) {
	defer func(v string) { Version = v }(Version)
	Version = "v1.2.3"
	if got := String(); got != "v1.2.3" {
		t.Errorf("String() = %q with Version set, want v1.2.3", got)
	}
	Version = "dev"
	if got := String(); got == "" {
		t.Error("String() is empty")
	}
}
