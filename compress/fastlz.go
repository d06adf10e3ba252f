package compress

// FastLZ block format, as produced and read by the FastLZ library that
// Godot vendors (thirdparty/misc/fastlz.c, used by Compression::MODE_FASTLZ).
// This is an independent implementation written from the format:
//
// A block is a sequence of instructions. The top 3 bits of the first byte
// select the level (0 = level 1, 1 = level 2); that first instruction is
// always a literal run, so its low 5 bits are its length - 1.
//
//	literal run:  000LLLLL, then L+1 bytes copied verbatim (1..32 bytes)
//	short match:  LLLDDDDD dddddddd        (L = 1..6: length L+2)
//	long match:   111DDDDD llllllll dddddddd  (level 1: length 9+l, up to 264)
//	level 2 long: 111DDDDD (ff)* llllllll dddddddd (the length bytes add up)
//	level 2 far:  distance byte ff with DDDDD = 31 is followed by a 16-bit
//	              big-endian distance, to which 8191 is added
//
// A match copies length bytes starting distance+1 bytes behind the output
// position (DDDDD is the high 5 bits of distance, dddddddd the low 8 bits).
// Matches may overlap their own output (runs).
//
// The compressor below reproduces the reference compressor's choices
// (hash of 13 bits over 3 bytes, one candidate per hash slot, level 1 for
// inputs under 64 KiB and level 2 from 64 KiB), so that its output is
// byte-identical to Godot's; the interop tests check this against Godot
// 3.2.3.

const (
	flzMaxCopy        = 32                           // longest literal run
	flzMaxLen         = 264                          // longest level-1 match
	flzMaxL1Distance  = 8192                         // level-1 match distances are below this
	flzMaxL2Distance  = 8191                         // level-2 short-form distance bound
	flzMaxFarDistance = 65535 + flzMaxL2Distance - 1 // level-2 far-form distance bound
	flzHashLog        = 13
	flzHashSize       = 1 << flzHashLog
	flzHashMask       = flzHashSize - 1
	// fastLZLevel2From is the input length from which fastlz_compress picks
	// level 2.
	fastLZLevel2From = 65536
)

func flzHash(b []byte, i int) uint32 {
	v := uint32(b[i]) | uint32(b[i+1])<<8
	v ^= (uint32(b[i+1]) | uint32(b[i+2])<<8) ^ (v >> (16 - flzHashLog))
	return v & flzHashMask
}

// fastLZAppend appends the FastLZ block of src to dst, choosing the level
// like fastlz_compress: 1 below 64 KiB, 2 from 64 KiB.
func fastLZAppend(dst, src []byte) []byte {
	level := 1
	if len(src) >= fastLZLevel2From {
		level = 2
	}
	return fastLZAppendLevel(dst, src, level)
}

// fastLZAppendLevel appends the FastLZ block of src at level 1 or 2.
func fastLZAppendLevel(dst, src []byte, level int) []byte {
	n := len(src)
	if n == 0 {
		return dst
	}
	if n < 4 {
		dst = append(dst, byte(n-1))
		return append(dst, src...)
	}
	var htab [flzHashSize]int32 // every slot starts at position 0
	ipBound := n - 2
	ipLimit := n - 13
	maxDist := flzMaxL1Distance
	if level == 2 {
		maxDist = flzMaxFarDistance
	}
	start := len(dst)
	dst = append(dst, flzMaxCopy-1, src[0], src[1])
	ip := 2
	lit := 2 // literals in the open run

	for ip < ipLimit {
		anchor := ip
		length := 3
		var ref, dist int
		found := false

		if level == 2 && src[ip] == src[ip-1] && src[ip] == src[ip+1] && src[ip+1] == src[ip+2] {
			// A run: match against the previous byte.
			dist = 1
			ref = anchor + 2
			found = true
		} else {
			h := flzHash(src, ip)
			ref = int(htab[h])
			htab[h] = int32(anchor)
			dist = anchor - ref
			if dist != 0 && dist < maxDist &&
				src[ref] == src[ip] && src[ref+1] == src[ip+1] && src[ref+2] == src[ip+2] {
				ref += 3
				found = true
				if level == 2 && dist >= flzMaxL2Distance {
					// Far matches need 5 bytes to pay off.
					if src[ip+3] != src[ref] || src[ip+4] != src[ref+1] {
						found = false
					} else {
						ref += 2
						length += 2
					}
				}
			}
		}

		if !found {
			// Literal byte.
			dst = append(dst, src[anchor])
			ip = anchor + 1
			lit++
			if lit == flzMaxCopy {
				lit = 0
				dst = append(dst, flzMaxCopy-1)
			}
			continue
		}

		// Extend the match. ip ends one byte past the first mismatch (or at
		// ipBound), exactly as the reference scanner leaves it.
		ip = anchor + length
		dist-- // distances are stored minus one
		if dist == 0 {
			x := src[ip-1]
			for ip < ipBound {
				same := src[ref] == x
				ref++
				if !same {
					break
				}
				ip++
			}
		} else {
			stopped := false
			for k := 0; k < 8; k++ {
				same := src[ref] == src[ip]
				ref++
				ip++
				if !same {
					stopped = true
					break
				}
			}
			if !stopped {
				for ip < ipBound {
					same := src[ref] == src[ip]
					ref++
					ip++
					if !same {
						break
					}
				}
			}
		}

		// Close the literal run (or remove its unused header byte).
		if lit > 0 {
			dst[len(dst)-lit-1] = byte(lit - 1)
		} else {
			dst = dst[:len(dst)-1]
		}
		lit = 0

		ip -= 3
		mlen := ip - anchor // match length minus 2
		if level == 1 {
			for mlen > flzMaxLen-2 {
				dst = append(dst, 7<<5+byte(dist>>8), flzMaxLen-2-7-2, byte(dist))
				mlen -= flzMaxLen - 2
			}
			if mlen < 7 {
				dst = append(dst, byte(mlen<<5)+byte(dist>>8), byte(dist))
			} else {
				dst = append(dst, 7<<5+byte(dist>>8), byte(mlen-7), byte(dist))
			}
		} else if dist < flzMaxL2Distance {
			if mlen < 7 {
				dst = append(dst, byte(mlen<<5)+byte(dist>>8), byte(dist))
			} else {
				dst = append(dst, 7<<5+byte(dist>>8))
				for mlen -= 7; mlen >= 255; mlen -= 255 {
					dst = append(dst, 255)
				}
				dst = append(dst, byte(mlen), byte(dist))
			}
		} else {
			dist -= flzMaxL2Distance
			if mlen < 7 {
				dst = append(dst, byte(mlen<<5)+31, 255, byte(dist>>8), byte(dist))
			} else {
				dst = append(dst, 7<<5+31)
				for mlen -= 7; mlen >= 255; mlen -= 255 {
					dst = append(dst, 255)
				}
				dst = append(dst, byte(mlen), 255, byte(dist>>8), byte(dist))
			}
		}

		// Hash the two positions at the match boundary.
		htab[flzHash(src, ip)] = int32(ip)
		ip++
		htab[flzHash(src, ip)] = int32(ip)
		ip++

		dst = append(dst, flzMaxCopy-1) // open a literal run
	}

	// The tail is literal.
	for ; ip < n; ip++ {
		dst = append(dst, src[ip])
		lit++
		if lit == flzMaxCopy {
			lit = 0
			dst = append(dst, flzMaxCopy-1)
		}
	}
	if lit > 0 {
		dst[len(dst)-lit-1] = byte(lit - 1)
	} else {
		dst = dst[:len(dst)-1]
	}
	if level == 2 {
		dst[start] |= 1 << 5
	}
	return dst
}

// fastLZDecode appends the decoded block src to dst, producing at most limit
// bytes. It accepts exactly the blocks the reference decoder (with its
// bounds checks on) accepts, and returns errTooBig when the output would
// pass limit and errCorrupt for anything else it would refuse.
func fastLZDecode(dst, src []byte, limit int) ([]byte, error) {
	n := len(src)
	if n == 0 {
		return dst, errCorrupt
	}
	level := int(src[0]>>5) + 1
	if level > 2 {
		return dst, errCorrupt
	}
	base := len(dst)
	ctrl := int(src[0] & 31)
	ip := 1
	for {
		if ctrl >= 32 {
			length := ctrl>>5 - 1
			ofs := (ctrl & 31) << 8
			var code int
			if level == 1 {
				if length == 6 {
					if ip > n-2 {
						return dst, errCorrupt
					}
					length += int(src[ip])
					ip++
				}
				if ip >= n {
					return dst, errCorrupt
				}
				code = int(src[ip])
				ip++
			} else {
				if length == 6 {
					for {
						if ip > n-2 {
							return dst, errCorrupt
						}
						c := int(src[ip])
						ip++
						length += c
						if c != 255 {
							break
						}
					}
				}
				if ip >= n {
					return dst, errCorrupt
				}
				code = int(src[ip])
				ip++
			}
			op := len(dst) - base
			ref := op - ofs - 1 - code
			if level == 2 && code == 255 && ofs == 31<<8 {
				if ip >= n-2 {
					return dst, errCorrupt
				}
				far := int(src[ip])<<8 | int(src[ip+1])
				ip += 2
				ref = op - far - flzMaxL2Distance - 1
			}
			length += 3
			if op+length > limit {
				return dst, errTooBig
			}
			if ref < 0 {
				return dst, errCorrupt
			}
			from := base + ref
			if len(dst)-from >= length {
				dst = append(dst, dst[from:from+length]...)
			} else {
				// Overlapping copy: the output repeats the len(dst)-from
				// bytes from `from` on, so copying from `from` in chunks
				// that double (each ends on a multiple of the period)
				// gives the byte-by-byte result.
				for length > 0 {
					k := min(len(dst)-from, length)
					dst = append(dst, dst[from:from+k]...)
					length -= k
				}
			}
		} else {
			c := ctrl + 1
			if len(dst)-base+c > limit {
				return dst, errTooBig
			}
			if ip+c > n {
				return dst, errCorrupt
			}
			dst = append(dst, src[ip:ip+c]...)
			ip += c
		}
		if level == 1 && ip > n-2 || level == 2 && ip >= n {
			return dst, nil
		}
		ctrl = int(src[ip])
		ip++
	}
}
