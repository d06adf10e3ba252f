# Godot 3.2 Variant corpus for packetpeer's interop tests (variant/interop_test.go).
# Prints one line per value: CASE <name> <hex of var2bytes(value)>, then PROBE_DONE.
# Its output, captured from godot3-server 3.2.3, is corpus.txt next to this file.
# Run: godot3-server --no-window -s corpus.gd (from a folder with a project.godot).
extends SceneTree

var lines = []

func add(name, value):
	lines.append("CASE %s %s" % [name, var2bytes(value, false).hex_encode()])

func _init():
	# Nil, bool
	add("nil", null)
	add("bool_false", false)
	add("bool_true", true)
	# int: 32-bit when it fits, else 64-bit
	add("int_0", 0)
	add("int_1", 1)
	add("int_neg1", -1)
	add("int_max32", 2147483647)
	add("int_min32", -2147483648)
	add("int_max32_plus1", 2147483648)
	add("int_min32_minus1", -2147483649)
	add("int_max64", 9223372036854775807)
	add("int_min64", -9223372036854775807 - 1)
	add("int_0x100000000", 4294967296)
	# float (REAL): 32-bit when exact as float32, else 64-bit
	add("float_0", 0.0)
	var zero = 0.0
	add("float_neg0", -zero) # a literal -0.0 is folded to +0.0 by the 3.2 parser
	add("float_1_5", 1.5)
	add("float_0_1", 0.1)
	add("float_neg2_25", -2.25)
	add("float_nan", NAN)
	add("float_inf", INF)
	add("float_neg_inf", -INF)
	add("float_max32", 3.4028234663852886e38)
	add("float_above_max32", 3.4028235677973366e38)
	add("float_1e39", 1e39)
	add("float_min_sub32", 1.401298464324817e-45)
	add("float_min_norm32", 1.1754943508222875e-38)
	add("float_1e300", 1e300)
	add("float_2pow24_plus1", 16777217.0)
	add("float_2pow24", 16777216.0)
	# String: length, UTF-8, padding to 4
	add("str_empty", "")
	add("str_1", "a")
	add("str_2", "ab")
	add("str_3", "abc")
	add("str_4", "abcd")
	add("str_5", "abcde")
	add("str_latin1", "héllo")
	add("str_cjk", "日本語")
	add("str_emoji", "😀 ok")
	add("str_ctrl", "tab\tnl\ncr\r")
	add("str_quote", "say \"hi\" \\ back")
	# math types
	add("vector2", Vector2(1.5, -2))
	add("vector2_zero", Vector2())
	add("vector2_nan_inf", Vector2(NAN, -INF))
	add("vector2_0_1", Vector2(0.1, 1e30))
	add("rect2", Rect2(1, 2, 3.5, -4))
	add("vector3", Vector3(1, -2.5, 3e-3))
	add("transform2d_identity", Transform2D())
	add("transform2d", Transform2D(Vector2(1, 2), Vector2(3, 4), Vector2(5, 6)))
	add("plane", Plane(Vector3(0, 1, 0), -2.5))
	add("quat", Quat(0.1, 0.2, 0.3, 0.9))
	add("quat_identity", Quat())
	add("aabb", AABB(Vector3(-1, -2, -3), Vector3(4, 5, 6)))
	add("basis_identity", Basis())
	add("basis", Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)))
	add("transform_identity", Transform())
	add("transform", Transform(Basis(Vector3(1, 2, 3), Vector3(4, 5, 6), Vector3(7, 8, 9)), Vector3(-1, -2, -3)))
	add("color", Color(0.1, 0.2, 0.3, 0.4))
	add("color_black", Color(0, 0, 0))
	add("color_hdr", Color(2.5, -1, 0.5, 1))
	# NodePath: names, subnames, absolute flag
	add("nodepath_empty", NodePath(""))
	add("nodepath_name", NodePath("Player"))
	add("nodepath_rel_sub", NodePath("Player/Sprite:position:x"))
	add("nodepath_abs", NodePath("/root/Main"))
	add("nodepath_abs_sub", NodePath("/root/Main:position"))
	add("nodepath_sub_only", NodePath(":position:x"))
	add("nodepath_parent", NodePath("../Sibling/Child"))
	add("nodepath_dot", NodePath("."))
	add("nodepath_utf8", NodePath("Héros/Épée"))
	# RID: 3.2 sends no payload
	add("rid_empty", RID())
	# Object as id (full_objects=false); the id is the instance id
	add("object_null", null_object())
	# Dictionary and Array, nested
	add("dict_empty", {})
	add("dict_mixed", {"a": 1, 2: "b", Vector2(1, 2): [1, 2], null: true})
	add("dict_nested", {"k": {"n": [1, [2, {"x": null}]]}, "e": {}})
	add("array_empty", [])
	add("array_mixed", [null, true, 1, 1.5, "s", Vector3(1, 2, 3), NodePath("a:b")])
	add("array_nested", [[[]], [[1], {"a": []}], PoolIntArray([1, 2])])
	# Pools, empty and full
	add("pool_byte_empty", PoolByteArray())
	add("pool_byte_1", PoolByteArray([255]))
	add("pool_byte_3", PoolByteArray([0, 1, 255]))
	add("pool_byte_4", PoolByteArray([1, 2, 3, 4]))
	add("pool_byte_5", PoolByteArray([1, 2, 3, 4, 5]))
	add("pool_int_empty", PoolIntArray())
	add("pool_int", PoolIntArray([0, -1, 2147483647, -2147483648]))
	add("pool_real_empty", PoolRealArray())
	add("pool_real", PoolRealArray([1.5, -zero, 0.1, NAN, INF, -INF]))
	add("pool_string_empty", PoolStringArray())
	add("pool_string", PoolStringArray(["a", "", "héllo", "four", "😀"]))
	add("pool_vector2_empty", PoolVector2Array())
	add("pool_vector2", PoolVector2Array([Vector2(1, 2), Vector2(-0.5, 1e10)]))
	add("pool_vector3_empty", PoolVector3Array())
	add("pool_vector3", PoolVector3Array([Vector3(1, 2, 3), Vector3(-1, 0.25, 7)]))
	add("pool_color_empty", PoolColorArray())
	add("pool_color", PoolColorArray([Color(1, 0, 0), Color(0.1, 0.2, 0.3, 0.4)]))
	# object ids last: they depend on what was allocated before
	var ref = Reference.new()
	lines.append("OBJID object_reference %d" % ref.get_instance_id())
	add("object_reference", ref)
	add("array_with_object", [ref, 1])
	for l in lines:
		print(l)
	print("PROBE_DONE")
	quit()

func null_object():
	var o = Node.new()
	o.free()
	return o
