package variant

import "fmt"

// Format selects a Godot version's wire layout. Godot 3.2 and 4.x share type
// ids 0-5 only; within 4.x, minor versions add layout features:
//
//	4.0+  RID as a u64, Signal as name + object id
//	4.2+  typed Array header (element type descriptor)
//	4.3+  PackedVector4Array (type 38)
//	4.4+  typed Dictionary header (key and value type descriptors)
//
// Encoding a value the chosen version cannot express is an error wrapping
// ErrUnavailable (for example PackedVector4Array for 4.2, or Vector2i for
// 3.2), except that typed containers are sent untyped to versions without
// typed headers, as those Godot versions themselves do.
type Format struct {
	// Major is 3 or 4.
	Major int
	// Minor is the 4.x minor version (0..4; later versions use 4's layout).
	// Ignored for 3 (3.2's layout is used for every 3.x).
	Minor int
	// Double selects the layout of Godot builds compiled with
	// precision=double (4.x only): real-valued math types are written as
	// float64 with header bit 16 set. Decoding accepts both widths in every
	// 4.x Format; without Double, float64 components are rounded to float32
	// on decode, as a single-precision Godot build stores them in real_t.
	Double bool
}

// The common formats.
var (
	// Godot3 is Godot 3.2.x (3.x): NetworkedMultiplayerENet, var2bytes.
	Godot3 = Format{Major: 3, Minor: 2}
	// Godot4 is the newest 4.x layout (4.4+: typed arrays and dictionaries,
	// PackedVector4Array), single precision.
	Godot4 = Format{Major: 4, Minor: 4}
)

// ParseFormat parses "3", "3.2", "4", "4.2", ... into a Format; a bare major
// version means Godot3 or Godot4.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "3", "3.2", "3.x":
		return Godot3, nil
	case "4", "4.x":
		return Godot4, nil
	}
	var f Format
	if _, err := fmt.Sscanf(s, "%d.%d", &f.Major, &f.Minor); err != nil || f.Major < 3 || f.Major > 4 || f.Minor < 0 {
		return Format{}, fmt.Errorf("variant: unknown Godot version %q (want 3, 4 or 4.N)", s)
	}
	if f.Major == 3 {
		return Godot3, nil
	}
	return f, nil
}

// String returns "3.2", "4.4", or "4.4-double".
func (f Format) String() string {
	s := fmt.Sprintf("%d.%d", f.Major, f.Minor)
	if f.Major == 3 {
		s = "3.2"
	}
	if f.Double {
		s += "-double"
	}
	return s
}

func (f Format) is3() bool               { return f.Major < 4 }
func (f Format) typedArrays() bool       { return f.Major >= 4 && (f.Major > 4 || f.Minor >= 2) }
func (f Format) packedVector4() bool     { return f.Major >= 4 && (f.Major > 4 || f.Minor >= 3) }
func (f Format) typedDictionaries() bool { return f.Major >= 4 && (f.Major > 4 || f.Minor >= 4) }
func (f Format) wideReals() bool         { return f.Major >= 4 && f.Double }
