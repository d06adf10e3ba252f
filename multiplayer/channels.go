package multiplayer

import "fmt"

// PacketFlags are the ENet packet flags a Peer asks its Transport for.
// The values are libenet's ENET_PACKET_FLAG_* (and enet.PacketFlag's), so
// a binding converts them with a plain type conversion.
type PacketFlags uint32

const (
	FlagReliable           PacketFlags = 1 // ENET_PACKET_FLAG_RELIABLE
	FlagUnsequenced        PacketFlags = 2 // ENET_PACKET_FLAG_UNSEQUENCED
	FlagUnreliableFragment PacketFlags = 8 // ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT
)

// Godot 3.2 ENet channels (NetworkedMultiplayerENet's SYSCH_* enum).
const (
	Godot3ChannelConfig     = 0 // system messages, server → client only
	Godot3ChannelReliable   = 1 // data, TransferModeReliable
	Godot3ChannelUnreliable = 2 // data, both unreliable modes
	// Godot3DefaultChannelCount is channel_count's default (SYSCH_MAX); it
	// is also the minimum.
	Godot3DefaultChannelCount = 3
)

// Godot 4.x ENet channels (ENetMultiplayerPeer): two system channels, then
// transfer channel n ≥ 1 on ENet channel n+1.
const (
	Godot4ChannelReliable   = 0 // TransferModeReliable, and every SYS message
	Godot4ChannelUnreliable = 1 // both unreliable modes
	// Godot4MaxTransferChannel is the largest transfer channel that has an
	// ENet channel (255 channels, 2 reserved).
	Godot4MaxTransferChannel = MaxENetChannels - 2 // 253: ENet channel 254
)

// MaxENetChannels is ENet's channel limit (ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT).
const MaxENetChannels = 255

// Godot3SendChannel returns the ENet channel and flags Godot 3.2's
// NetworkedMultiplayerENet.put_packet uses:
//
//	mode                 flags                                channel
//	Reliable             RELIABLE                             1
//	Unreliable           UNSEQUENCED (0 with always_ordered)  2
//	UnreliableOrdered    0 (sequenced unreliable)             2
//
// transferChannel > 0 replaces the channel number as is (flags unchanged);
// -1 (Godot's default) keeps the table's. Godot 3.2 never sets
// UNRELIABLE_FRAGMENT, so large unreliable packets travel as reliable
// fragments. transferChannel must be -1 or 1 … channelCount-1
// (ErrBadChannel otherwise, as Godot's setter refuses it).
func Godot3SendChannel(mode TransferMode, transferChannel, channelCount int, alwaysOrdered bool) (uint8, PacketFlags, error) {
	if err := checkGodot3Channel(transferChannel, channelCount); err != nil {
		return 0, 0, err
	}
	var ch uint8
	var fl PacketFlags
	switch mode {
	case TransferModeReliable:
		ch, fl = Godot3ChannelReliable, FlagReliable
	case TransferModeUnreliable:
		ch = Godot3ChannelUnreliable
		if !alwaysOrdered {
			fl = FlagUnsequenced
		}
	case TransferModeUnreliableOrdered:
		ch = Godot3ChannelUnreliable
	default:
		return 0, 0, fmt.Errorf("mode %d: %w", int(mode), ErrBadMode)
	}
	if transferChannel > 0 {
		ch = uint8(transferChannel)
	}
	return ch, fl, nil
}

func checkGodot3Channel(transferChannel, channelCount int) error {
	if transferChannel == -1 || (transferChannel >= 1 && transferChannel < channelCount && transferChannel < MaxENetChannels) {
		return nil
	}
	return fmt.Errorf("godot3 transfer channel %d (channel count %d; -1 or 1…count-1): %w", transferChannel, channelCount, ErrBadChannel)
}

// Godot4SendChannel returns the ENet channel and flags Godot 4.x's
// ENetMultiplayerPeer.put_packet uses:
//
//	mode                 flags                              channel (transfer channel 0)
//	Reliable             RELIABLE                           0
//	Unreliable           UNSEQUENCED|UNRELIABLE_FRAGMENT    1
//	UnreliableOrdered    UNRELIABLE_FRAGMENT                1
//
// A transfer channel n in 1 … Godot4MaxTransferChannel uses ENet channel
// n+1 with the same flags; anything else is ErrBadChannel.
func Godot4SendChannel(mode TransferMode, transferChannel int) (uint8, PacketFlags, error) {
	if transferChannel < 0 || transferChannel > Godot4MaxTransferChannel {
		return 0, 0, fmt.Errorf("godot4 transfer channel %d (0…%d): %w", transferChannel, Godot4MaxTransferChannel, ErrBadChannel)
	}
	var ch uint8
	var fl PacketFlags
	switch mode {
	case TransferModeReliable:
		ch, fl = Godot4ChannelReliable, FlagReliable
	case TransferModeUnreliable:
		ch, fl = Godot4ChannelUnreliable, FlagUnsequenced|FlagUnreliableFragment
	case TransferModeUnreliableOrdered:
		ch, fl = Godot4ChannelUnreliable, FlagUnreliableFragment
	default:
		return 0, 0, fmt.Errorf("mode %d: %w", int(mode), ErrBadMode)
	}
	if transferChannel > 0 {
		ch = uint8(transferChannel + 1)
	}
	return ch, fl, nil
}

// Godot4ReceiveChannel maps a received ENet channel to the transfer
// channel Godot 4's get_packet_channel reports: ENet channel − 1 for
// channels ≥ 2, else 0. (Godot 3.2 reports the ENet channel itself.)
func Godot4ReceiveChannel(enetChannel uint8) int {
	if enetChannel >= 2 {
		return int(enetChannel) - 1
	}
	return 0
}

// ModeFromFlags is the transfer mode of a received packet, from its ENet
// flags, as Godot 4's get_packet_mode derives it: RELIABLE → Reliable;
// else UNSEQUENCED → Unreliable; else UnreliableOrdered.
func ModeFromFlags(f PacketFlags) TransferMode {
	switch {
	case f&FlagReliable != 0:
		return TransferModeReliable
	case f&FlagUnsequenced != 0:
		return TransferModeUnreliable
	}
	return TransferModeUnreliableOrdered
}

// ConnectChannelCount is the channel count a client requests in its ENet
// CONNECT (and a server's channel limit) for dialect d and Config
// ChannelCount n:
//
//   - Godot3: n, default (0) Godot3DefaultChannelCount = 3 (channel_count).
//   - Godot4: n+2 when n > 0 (n custom channels plus the two system
//     channels), else 255 — what Godot 4's create_client requests by
//     default, since ENetConnection maps 0 to 255.
func ConnectChannelCount(d Dialect, n int) int {
	if d == Godot3 {
		if n == 0 {
			return Godot3DefaultChannelCount
		}
		return n
	}
	if n > 0 {
		return n + 2
	}
	return MaxENetChannels
}
