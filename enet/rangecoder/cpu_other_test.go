//go:build !unix

package rangecoder

import "time"

// processCPU is not measured here: cpuMB/s is not reported.
func processCPU() time.Duration { return 0 }
