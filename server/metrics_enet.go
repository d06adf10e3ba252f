package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// ENet-level counters of each dialect's host, for /metrics: what never
// reaches the multiplayer layer (malformed datagrams, CONNECT floods) is
// visible there too.
var (
	descENetReceived = prometheus.NewDesc("packetpeer_enet_datagrams_received_total",
		"UDP datagrams the ENet host read, by dialect.", []string{"dialect"}, nil)
	descENetDropped = prometheus.NewDesc("packetpeer_enet_datagrams_dropped_total",
		"UDP datagrams the ENet host dropped (malformed, for no connection, oversized, or refused CONNECTs), by dialect.", []string{"dialect"}, nil)
	descENetConnects = prometheus.NewDesc("packetpeer_enet_connects_total",
		"ENet CONNECT commands by outcome (accepted, retransmitted, invalid, refused_full, refused_duplicate_peers, "+
			"refused_pending, refused_pending_address) and dialect.", []string{"dialect", "result"}, nil)
)

// enetCollector exports the ENet host counters of a Server's dialects.
type enetCollector struct{ s *Server }

func (c enetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descENetReceived
	ch <- descENetDropped
	ch <- descENetConnects
}

func (c enetCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.s.rooms {
		d := r.d.String()
		h := r.t.Host()
		st, hs := h.Stats(), h.HardeningStats()
		ch <- prometheus.MustNewConstMetric(descENetReceived, prometheus.CounterValue, float64(st.PacketsReceived), d)
		ch <- prometheus.MustNewConstMetric(descENetDropped, prometheus.CounterValue, float64(st.DroppedDatagrams), d)
		for _, v := range []struct {
			result string
			n      uint64
		}{
			{"accepted", hs.ConnectsAccepted},
			{"retransmitted", hs.ConnectsRetransmitted},
			{"invalid", hs.ConnectsInvalid},
			{"refused_full", hs.RefusedFull},
			{"refused_duplicate_peers", hs.RefusedDuplicatePeers},
			{"refused_pending", hs.RefusedPending},
			{"refused_pending_address", hs.RefusedPendingAddress},
		} {
			ch <- prometheus.MustNewConstMetric(descENetConnects, prometheus.CounterValue, float64(v.n), d, v.result)
		}
	}
}
