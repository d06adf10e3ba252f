// Package enet is a pure-Go implementation of ENet, wire-compatible with
// libenet 1.3.17 (the ENet spoken by Godot 3.2 and 4.x).
//
// This is the foundation: the wire format lives in enet/internal/protocol
// (every constant and command, byte-exact with libenet's protocol.h structs)
// and ENet's range coder in enet/rangecoder (bit-exact with libenet's
// compress.c). The host and peer API will be added on top of them.
//
// Compression is pluggable through [Compressor]; [NewRangeCoder] returns
// ENet's own range coder, which is what enet_host_compress_with_range_coder
// installs in libenet. Compression is not negotiated: both hosts must use
// the same codec.
package enet
