module github.com/packetpeer/packetpeer

go 1.26.8

require (
	github.com/klauspost/compress v1.20.3
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.49.0
	golang.org/x/time v0.16.0
)

require github.com/inconshreveable/mousetrap v1.1.0 // indirect
