package server

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/packetpeer/packetpeer/multiplayer"
)

var (
	descPeers = prometheus.NewDesc("packetpeer_peers_connected",
		"Clients connected, by dialect.", []string{"dialect"}, nil)
	descRelayed = prometheus.NewDesc("packetpeer_packets_relayed_total",
		"Packet copies relayed between clients, by dialect.", []string{"dialect"}, nil)
	descReceived = prometheus.NewDesc("packetpeer_packets_received_total",
		"Packets addressed to the server, by dialect.", []string{"dialect"}, nil)
	descSent = prometheus.NewDesc("packetpeer_packets_sent_total",
		"Packets the server sent (each copy of a broadcast counts), by dialect.", []string{"dialect"}, nil)
	descDropped = prometheus.NewDesc("packetpeer_packets_dropped_total",
		"Incoming packets dropped by the multiplayer layer, by dialect and reason.", []string{"dialect", "reason"}, nil)
	descRefused = prometheus.NewDesc("packetpeer_peers_refused_total",
		"Connections refused (refuse, full, bad or duplicate id), by dialect.", []string{"dialect"}, nil)
	descHandlerDropped = prometheus.NewDesc("packetpeer_handler_dropped_total",
		"Messages the server application rejected, by dialect and reason.", []string{"dialect", "reason"}, nil)
)

// collector exports a Server's counters at scrape time.
type collector struct{ s *Server }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPeers, descRelayed, descReceived, descSent, descDropped, descRefused, descHandlerDropped} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.s.rooms {
		d := r.d.String()
		st := r.p.Stats()
		ch <- prometheus.MustNewConstMetric(descPeers, prometheus.GaugeValue, float64(len(r.p.Peers())), d)
		ch <- prometheus.MustNewConstMetric(descRelayed, prometheus.CounterValue, float64(st.PacketsRelayed), d)
		ch <- prometheus.MustNewConstMetric(descReceived, prometheus.CounterValue, float64(st.PacketsReceived), d)
		ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(st.PacketsSent), d)
		ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(st.PeersRefused), d)
		for i := 1; i < len(st.Drops); i++ {
			ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(st.Drops[i]), d, multiplayer.DropReason(i).String())
		}
		for _, reason := range []string{DropUndecodable, DropNotChat, DropBadText, DropBadName} {
			ch <- prometheus.MustNewConstMetric(descHandlerDropped, prometheus.CounterValue, float64(c.s.Dropped(r.d, reason)), d, reason)
		}
	}
	// Reasons a custom Handler used beyond the chat room's.
	c.s.dmu.Lock()
	var extra []prometheus.Metric
	for k, n := range c.s.dropped {
		switch k.reason {
		case DropUndecodable, DropNotChat, DropBadText, DropBadName:
			continue
		}
		extra = append(extra, prometheus.MustNewConstMetric(descHandlerDropped, prometheus.CounterValue, float64(n), k.d.String(), k.reason))
	}
	c.s.dmu.Unlock()
	for _, m := range extra {
		ch <- m
	}
}

// HTTPHandler returns the server's HTTP interface: GET /healthz answers
// 200 "ok" while serving and 503 "shutting down" after Shutdown began;
// /metrics is the Prometheus exposition of the server's metrics
// (packetpeer_peers_connected, packetpeer_packets_relayed_total,
// packetpeer_packets_dropped_total, packetpeer_handler_dropped_total, the
// ENet hosts' packetpeer_enet_datagrams_dropped_total and
// packetpeer_enet_connects_total{result}, ...)
// and of the Go runtime.
func (s *Server) HTTPHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{s}, enetCollector{s}, prometheus.NewGoCollector())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if s.ShuttingDown() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "shutting down")
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}
