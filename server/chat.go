package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/packetpeer/packetpeer"
	"github.com/packetpeer/packetpeer/enet"
	"github.com/packetpeer/packetpeer/multiplayer"
	"github.com/packetpeer/packetpeer/variant"
)

// Chat limits: longer texts or names are dropped.
const (
	MaxChatText = 4096 // bytes of UTF-8
	MaxChatName = 64
)

// Reasons the ChatRoom drops a message (Server.CountDropped).
const (
	DropUndecodable = "undecodable" // not a Variant in the sender's dialect
	DropNotChat     = "not_chat"    // not a Dictionary with "type": "chat"
	DropBadText     = "bad_text"    // "text" missing, not a String, or too long
	DropBadName     = "bad_name"    // "name" not a String, or too long
)

// Chat is one chat message.
type Chat struct {
	From int    // sender's peer id ("from"); 0 in a request
	Name string // optional sender name ("name")
	Text string
}

// ParseChatRequest validates what a client sent to the chat room: a
// Dictionary {"type": "chat", "text": String} with an optional
// "name": String. On failure the result is one of the Drop* reasons.
func ParseChatRequest(v any) (Chat, string) {
	d, ok := v.(*variant.Dictionary)
	if !ok {
		return Chat{}, DropNotChat
	}
	if t, _ := d.Get("type"); t != "chat" {
		return Chat{}, DropNotChat
	}
	tv, _ := d.Get("text")
	text, ok := tv.(string)
	if !ok || len(text) > MaxChatText || !utf8.ValidString(text) {
		return Chat{}, DropBadText
	}
	c := Chat{Text: text}
	if nv, ok := d.Get("name"); ok {
		name, ok := nv.(string)
		if !ok || len(name) > MaxChatName || !utf8.ValidString(name) {
			return Chat{}, DropBadName
		}
		c.Name = name
	}
	return c, ""
}

// ParseChat reads a chat message the server sent: {"type": "chat",
// "from": int, "text": String} and an optional "name". ok is false for
// anything else.
func ParseChat(v any) (Chat, bool) {
	d, ok := v.(*variant.Dictionary)
	if !ok {
		return Chat{}, false
	}
	if t, _ := d.Get("type"); t != "chat" {
		return Chat{}, false
	}
	fv, _ := d.Get("from")
	from, ok := fv.(int64)
	if !ok || from < 0 || from > multiplayer.MaxPeerID {
		return Chat{}, false
	}
	tv, _ := d.Get("text")
	text, ok := tv.(string)
	if !ok {
		return Chat{}, false
	}
	c := Chat{From: int(from), Text: text}
	if nv, ok := d.Get("name"); ok {
		c.Name, _ = nv.(string)
	}
	return c, true
}

// chatDict builds the wire form of c.
func chatDict(c Chat, withFrom bool) *variant.Dictionary {
	d := variant.NewDictionary(4)
	d.Set("type", "chat")
	if withFrom {
		d.Set("from", int64(c.From))
	}
	d.Set("text", c.Text)
	if c.Name != "" {
		d.Set("name", c.Name)
	}
	return d
}

// ChatRoom is the built-in Handler, the chat room of Godot's tutorials: a
// client sends {"type": "chat", "text": ...} (put_var, to peer 1); the
// server sends {"type": "chat", "from": id, "text": ...} to every client
// of both dialects. An optional "name" String is passed along. Anything
// else is dropped and counted (Server.CountDropped with a Drop* reason).
type ChatRoom struct{}

// NewChatRoom returns the chat room Handler.
func NewChatRoom() *ChatRoom { return &ChatRoom{} }

// Join implements Handler (the Server logs joins).
func (*ChatRoom) Join(*Server, Client) {}

// Leave implements Handler (the Server logs leaves).
func (*ChatRoom) Leave(*Server, Client, multiplayer.DisconnectReason) {}

// Receive implements Handler: validate and broadcast.
func (*ChatRoom) Receive(s *Server, m Message) {
	v, err := m.Var()
	if err != nil {
		s.CountDropped(m.From.Dialect, DropUndecodable)
		return
	}
	c, reason := ParseChatRequest(v)
	if reason != "" {
		s.CountDropped(m.From.Dialect, reason)
		return
	}
	c.From = m.From.ID
	if err := s.BroadcastVar(chatDict(c, true)); err != nil {
		s.log.Warn("chat broadcast", "err", err)
	}
}

// ChatEvent is what a ChatClient receives: a chat message, or (Chat nil)
// a multiplayer event such as PeerConnected or ServerDisconnected.
type ChatEvent struct {
	Chat  *Chat
	Event multiplayer.Event
}

// ChatClient is a Go client of the chat room, in either dialect: what
// `packetpeer chat` runs, and what the tests use.
type ChatClient struct {
	p    *multiplayer.Peer
	t    *transport
	vp   *packetpeer.VarPeer
	name string

	smu     sync.Mutex
	events  chan ChatEvent
	backlog []ChatEvent
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

// DialChat connects to a chat server at addr ("127.0.0.1:7777") in
// dialect d and waits until the connection succeeded or ctx ends. name
// (may be empty) is sent with every message.
func DialChat(ctx context.Context, addr string, d Dialect, name string) (*ChatClient, error) {
	cfg := &multiplayer.Config{Dialect: d}
	n := multiplayer.ConnectChannelCount(d, 0)
	hc := enet.HostConfig{PeerLimit: 1, ChannelLimit: multiplayer.MaxENetChannels}
	if d == multiplayer.Godot3 {
		hc.ChannelLimit = n
	}
	h, err := enet.NewHost(":0", &hc)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	t := newTransport(h, d)
	id := multiplayer.GenerateUniqueID()
	p, err := multiplayer.NewClient(t, id, cfg)
	if err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("chat: %w", err)
	}
	if _, err := h.Connect(addr, n, uint32(id)); err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("chat: connect to %s: %w", addr, err)
	}
	pctx, cancel := context.WithCancel(context.Background())
	c := &ChatClient{p: p, t: t, vp: packetpeer.NewVarPeer(p, FormatOf(d)), name: name,
		events: make(chan ChatEvent, 256), cancel: cancel, done: make(chan struct{})}
	go c.pump(pctx)
	for {
		ev, err := c.next(ctx)
		if err != nil {
			c.Close()
			if errors.Is(err, io.EOF) {
				err = errors.New("connection ended")
			}
			return nil, fmt.Errorf("chat: connect to %s: %w", addr, err)
		}
		switch ev.Event.Type {
		case multiplayer.ConnectionSucceeded:
			return c, nil
		case multiplayer.ConnectionFailed:
			c.Close()
			return nil, fmt.Errorf("chat: connect to %s: connection failed (reason %s)", addr, ev.Event.Reason)
		case multiplayer.PeerConnected:
			if ev.Event.Peer == multiplayer.ServerID {
				continue
			}
		}
		c.backlog = append(c.backlog, ev)
	}
}

// pump drives the Peer: events and chat messages, in order, into c.events,
// until the connection ends or Close.
func (c *ChatClient) pump(ctx context.Context) {
	defer close(c.done)
	defer close(c.events)
	push := func(e ChatEvent) bool {
		select {
		case c.events <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		if err := c.p.Poll(); err != nil && multiplayer.IsClosed(err) {
			return
		}
		end := false
		for {
			ev, ok := c.p.PollEvent()
			if !ok {
				break
			}
			if !push(ChatEvent{Event: ev}) {
				return
			}
			if ev.Type == multiplayer.ConnectionFailed || ev.Type == multiplayer.ServerDisconnected {
				end = true
			}
		}
		for {
			// Only the server speaks for the room: another client's
			// packet, relayed to us, could claim any "from".
			fromServer := c.p.PacketPeer() == multiplayer.ServerID
			v, err := c.vp.GetVar()
			if err != nil {
				if errors.Is(err, multiplayer.ErrNoPacket) {
					break
				}
				if multiplayer.IsClosed(err) {
					return
				}
				continue // undecodable: ignored
			}
			if m, ok := ParseChat(v); ok && fromServer {
				if !push(ChatEvent{Chat: &m}) {
					return
				}
			}
		}
		if end {
			return
		}
		if err := c.t.wait(ctx); err != nil {
			return
		}
	}
}

// ID returns the client's peer id.
func (c *ChatClient) ID() int { return c.p.UniqueID() }

// Say sends a chat message to the server.
func (c *ChatClient) Say(text string) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	c.p.SetTargetPeer(multiplayer.TargetPeerServer)
	return c.vp.PutVar(chatDict(Chat{Name: c.name, Text: text}, false))
}

// SendVar sends any Variant to the server (for tests of bad input).
func (c *ChatClient) SendVar(v any) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	c.p.SetTargetPeer(multiplayer.TargetPeerServer)
	return c.vp.PutVar(v)
}

// Next returns the next chat message or event; one goroutine at a time. After the connection ended
// and everything was returned: io.EOF.
func (c *ChatClient) Next(ctx context.Context) (ChatEvent, error) {
	if len(c.backlog) > 0 {
		ev := c.backlog[0]
		c.backlog = c.backlog[1:]
		return ev, nil
	}
	return c.next(ctx)
}

func (c *ChatClient) next(ctx context.Context) (ChatEvent, error) {
	select {
	case ev, ok := <-c.events:
		if !ok {
			return ChatEvent{}, io.EOF
		}
		return ev, nil
	case <-ctx.Done():
		return ChatEvent{}, ctx.Err()
	}
}

// Close leaves the room: a graceful disconnect, waited for (at most
// closeWait) until the server acknowledged it, then the client is closed.
// Events not yet read are discarded. Safe to call more than once.
func (c *ChatClient) Close() {
	c.once.Do(func() {
		if c.p.ConnectionStatus() == multiplayer.Connected && c.p.DisconnectPeer(multiplayer.ServerID, false) == nil {
			timer := time.NewTimer(closeWait)
			defer timer.Stop()
		wait:
			for {
				select {
				case _, ok := <-c.events:
					if !ok {
						break wait
					}
				case <-timer.C:
					break wait
				}
			}
		}
		c.cancel()
		for range c.events {
		}
		_ = c.p.Close()
	})
}

// closeWait bounds how long Close waits for the server to acknowledge.
const closeWait = 5 * time.Second
