// Package godoterr holds Godot's Error codes (the @GlobalScope Error enum,
// numbered the same in Godot 3.2 and 4.x) as Go errors.
//
// Every packetpeer package reports failures that have a Godot equivalent by
// wrapping one of these values, so callers can branch with errors.Is:
//
//	if errors.Is(err, godoterr.ErrUnavailable) { /* no packet queued yet */ }
//
// and tools can show the number a Godot script would see with Code.
package godoterr

import (
	"errors"
	"strconv"
)

// Error is a Godot Error code. The zero value is OK and is never returned as
// an error by packetpeer.
type Error int

// Godot's Error codes used by the networking classes, with their numeric
// values from core/error/error_list.h (identical in 3.2 and 4.x).
const (
	OK                     Error = 0
	Failed                 Error = 1  // FAILED
	ErrUnavailable         Error = 2  // ERR_UNAVAILABLE: e.g. get_packet on an empty queue
	ErrUnconfigured        Error = 3  // ERR_UNCONFIGURED
	ErrUnauthorized        Error = 4  // ERR_UNAUTHORIZED: a full object while objects are not allowed
	ErrParameterRangeError Error = 5  // ERR_PARAMETER_RANGE_ERROR
	ErrOutOfMemory         Error = 6  // ERR_OUT_OF_MEMORY: a configured size or depth limit was exceeded
	ErrFileEOF             Error = 18 // ERR_FILE_EOF: a string runs past the end of its buffer
	ErrCantOpen            Error = 19 // ERR_CANT_OPEN
	ErrCantCreate          Error = 20 // ERR_CANT_CREATE
	ErrAlreadyInUse        Error = 22 // ERR_ALREADY_IN_USE
	ErrLocked              Error = 23 // ERR_LOCKED
	ErrTimeout             Error = 24 // ERR_TIMEOUT
	ErrCantConnect         Error = 25 // ERR_CANT_CONNECT
	ErrCantResolve         Error = 26 // ERR_CANT_RESOLVE
	ErrConnectionError     Error = 27 // ERR_CONNECTION_ERROR
	ErrInvalidData         Error = 30 // ERR_INVALID_DATA: malformed bytes
	ErrInvalidParameter    Error = 31 // ERR_INVALID_PARAMETER
	ErrAlreadyExists       Error = 32 // ERR_ALREADY_EXISTS
	ErrDoesNotExist        Error = 33 // ERR_DOES_NOT_EXIST
	ErrBusy                Error = 44 // ERR_BUSY
	ErrBug                 Error = 47 // ERR_BUG
)

var names = map[Error]string{
	OK:                     "OK",
	Failed:                 "FAILED",
	ErrUnavailable:         "ERR_UNAVAILABLE",
	ErrUnconfigured:        "ERR_UNCONFIGURED",
	ErrUnauthorized:        "ERR_UNAUTHORIZED",
	ErrParameterRangeError: "ERR_PARAMETER_RANGE_ERROR",
	ErrOutOfMemory:         "ERR_OUT_OF_MEMORY",
	ErrFileEOF:             "ERR_FILE_EOF",
	ErrCantOpen:            "ERR_CANT_OPEN",
	ErrCantCreate:          "ERR_CANT_CREATE",
	ErrAlreadyInUse:        "ERR_ALREADY_IN_USE",
	ErrLocked:              "ERR_LOCKED",
	ErrTimeout:             "ERR_TIMEOUT",
	ErrCantConnect:         "ERR_CANT_CONNECT",
	ErrCantResolve:         "ERR_CANT_RESOLVE",
	ErrConnectionError:     "ERR_CONNECTION_ERROR",
	ErrInvalidData:         "ERR_INVALID_DATA",
	ErrInvalidParameter:    "ERR_INVALID_PARAMETER",
	ErrAlreadyExists:       "ERR_ALREADY_EXISTS",
	ErrDoesNotExist:        "ERR_DOES_NOT_EXIST",
	ErrBusy:                "ERR_BUSY",
	ErrBug:                 "ERR_BUG",
}

// Error returns Godot's constant name, such as "ERR_INVALID_DATA", or
// "godot error N" for a code this package does not name.
func (e Error) Error() string {
	if n, ok := names[e]; ok {
		return n
	}
	return "godot error " + strconv.Itoa(int(e))
}

// Code returns the Godot Error code that err wraps: OK for nil, Failed
// (FAILED, 1) for an error that wraps no Godot code.
func Code(err error) Error {
	if err == nil {
		return OK
	}
	var e Error
	if errors.As(err, &e) {
		return e
	}
	return Failed
}
