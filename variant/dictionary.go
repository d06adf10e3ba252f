package variant

import (
	"math"
	"reflect"
	"strings"
)

// Dictionary is Godot's Dictionary: an ordered map whose keys and values are
// any Variant. Iteration and encoding follow insertion order, as in Godot;
// setting an existing key replaces its value in place. Keys are equal when
// they have the same Variant type and value (int 1 and float 1.0 are two keys,
// as in Godot); containers used as keys compare by content.
//
// KeyType and ValueType make it a typed Dictionary (Godot 4.4+); the zero
// values mean untyped. The zero Dictionary is empty and ready to use.
type Dictionary struct {
	KeyType   ContainerType
	ValueType ContainerType

	entries []DictEntry
	index   map[any]int // canonical key -> position, built once the map is large
}

// DictEntry is one key/value pair of a Dictionary.
type DictEntry struct {
	Key   any
	Value any
}

// indexThreshold is the size at which a Dictionary starts to keep a hash
// index; below it a linear scan is faster.
const indexThreshold = 8

// NewDictionary returns an empty untyped Dictionary with room for n entries.
func NewDictionary(n int) *Dictionary {
	return &Dictionary{entries: make([]DictEntry, 0, n)}
}

// Len returns the number of entries.
func (d *Dictionary) Len() int {
	if d == nil {
		return 0
	}
	return len(d.entries)
}

// Entries returns the entries in order. The slice belongs to the Dictionary:
// do not modify it.
func (d *Dictionary) Entries() []DictEntry {
	if d == nil {
		return nil
	}
	return d.entries
}

// Get returns the value stored under key.
func (d *Dictionary) Get(key any) (any, bool) {
	if i := d.find(normalizeKey(key)); i >= 0 {
		return d.entries[i].Value, true
	}
	return nil, false
}

// Set stores value under key: in place if the key exists, else at the end.
// Go integer and float32 keys are stored as int64 and float64, the types
// Decode returns.
func (d *Dictionary) Set(key, value any) {
	key = normalizeKey(key)
	if i := d.find(key); i >= 0 {
		d.entries[i].Value = value
		return
	}
	d.entries = append(d.entries, DictEntry{Key: key, Value: value})
	if d.index != nil {
		if ck, ok := canonicalKey(key); ok {
			d.index[ck] = len(d.entries) - 1
		}
	}
}

// Delete removes key and reports whether it was present. The order of the
// other entries is kept.
func (d *Dictionary) Delete(key any) bool {
	i := d.find(normalizeKey(key))
	if i < 0 {
		return false
	}
	d.entries = append(d.entries[:i], d.entries[i+1:]...)
	d.index = nil // rebuilt on demand
	return true
}

func (d *Dictionary) find(key any) int {
	if d == nil || len(d.entries) == 0 {
		return -1
	}
	ck, comparable := canonicalKey(key)
	if !comparable || len(d.entries) < indexThreshold {
		for i := range d.entries {
			if KeyEqual(d.entries[i].Key, key) {
				return i
			}
		}
		return -1
	}
	if d.index == nil {
		d.index = make(map[any]int, len(d.entries))
		for i := range d.entries {
			if k, ok := canonicalKey(d.entries[i].Key); ok {
				if _, dup := d.index[k]; !dup {
					d.index[k] = i
				}
			}
		}
	}
	if i, ok := d.index[ck]; ok {
		return i
	}
	return -1
}

// nanKey stands for every float NaN key: Godot's hash comparison treats NaN
// keys as equal to each other.
type nanKey struct{}

// nodePathKey is the comparable form of a NodePath key.
type nodePathKey string

// canonicalKey returns a comparable stand-in for k, or false when k is a
// container compared by content.
func canonicalKey(k any) (any, bool) {
	switch v := k.(type) {
	case nil, bool, int64, string, StringName, RID, ObjectID, Callable, Signal,
		Vector2, Vector2i, Vector3, Vector3i, Vector4, Vector4i, Rect2, Rect2i,
		Transform2D, Plane, Quaternion, AABB, Basis, Transform3D, Projection, Color:
		return k, true
	case float64:
		if math.IsNaN(v) {
			return nanKey{}, true
		}
		return v, true
	case NodePath:
		var b strings.Builder
		if v.Absolute {
			b.WriteByte('/')
		}
		for _, n := range v.Names {
			b.WriteString(n)
			b.WriteByte(0)
		}
		b.WriteByte(1)
		for _, n := range v.SubNames {
			b.WriteString(n)
			b.WriteByte(0)
		}
		return nodePathKey(b.String()), true
	}
	return nil, false
}

func normalizeKey(k any) any {
	switch v := k.(type) {
	case int:
		return int64(v)
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case uint8:
		return int64(v)
	case uint16:
		return int64(v)
	case uint32:
		return int64(v)
	case float32:
		return float64(v)
	}
	return k
}

// KeyEqual reports whether a and b are the same Dictionary key: the same
// Variant type and value, containers by content, NaN equal to NaN (as
// Godot's hash comparison does). Containers nested deeper than
// DefaultMaxDepth (including a container that holds itself) compare unequal.
func KeyEqual(a, b any) bool { return keyEqual(a, b, 0) }

func keyEqual(a, b any, depth int) bool {
	if depth > DefaultMaxDepth {
		return false
	}
	depth++
	ca, oka := canonicalKey(a)
	cb, okb := canonicalKey(b)
	if oka && okb {
		return ca == cb
	}
	if oka != okb {
		return false
	}
	switch x := a.(type) {
	case *Dictionary:
		y, ok := b.(*Dictionary)
		if !ok || x.Len() != y.Len() || x.KeyType != y.KeyType || x.ValueType != y.ValueType {
			return false
		}
		for i, e := range x.Entries() {
			f := y.entries[i]
			if !keyEqual(e.Key, f.Key, depth) || !keyEqual(e.Value, f.Value, depth) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		return ok && sliceEqual(x, y, depth)
	case *TypedArray:
		y, ok := b.(*TypedArray)
		return ok && x.Elem == y.Elem && sliceEqual(x.Values, y.Values, depth)
	case *Object:
		y, ok := b.(*Object)
		if !ok || x.Class != y.Class || len(x.Properties) != len(y.Properties) {
			return false
		}
		for i := range x.Properties {
			if x.Properties[i].Name != y.Properties[i].Name || !keyEqual(x.Properties[i].Value, y.Properties[i].Value, depth) {
				return false
			}
		}
		return true
	}
	// Packed arrays: same Go slice type and elements.
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	return reflect.DeepEqual(a, b)
}

func sliceEqual(x, y []any, depth int) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !keyEqual(x[i], y[i], depth) {
			return false
		}
	}
	return true
}
