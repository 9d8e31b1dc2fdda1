package icmap

import (
	"fmt"
	"testing"
)

func benchMap(n int) *Map {
	m := New()
	for i := 0; i < n; i++ {
		_ = m.Set(fmt.Sprintf("runtime.services.svc%d.%d.rx", i%16, i), uint64(i))
	}
	return m
}

func BenchmarkGet(b *testing.B) {
	m := benchMap(1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := m.Get("runtime.services.svc3.403.rx"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSetModify(b *testing.B) {
	m := benchMap(1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.Set("runtime.services.svc3.403.rx", uint64(i))
	}
}

func BenchmarkSetNewKeys(b *testing.B) {
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("nodelist.node.%d.ring0_addr", i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := New()
		for _, k := range keys {
			_ = m.Set(k, "10.0.0.1")
		}
	}
}

func BenchmarkIterPrefix(b *testing.B) {
	m := benchMap(1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := m.Iter("runtime.services.svc7.")
		for _, _, _, ok := it.Next(); ok; _, _, _, ok = it.Next() {
		}
	}
}

func BenchmarkParallelGet(b *testing.B) {
	m := benchMap(1000)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _, _ = m.Get("runtime.services.svc3.403.rx")
		}
	})
}

func BenchmarkTrackedInc(b *testing.B) {
	m := benchMap(1000)
	n := 0
	for i := 0; i < 10; i++ {
		_, _ = m.TrackAdd("runtime.", TrackModify|TrackPrefix, func(TrackFlags, string, NotifyValue, NotifyValue, any) { n++ }, nil)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.Inc("runtime.services.svc3.403.rx")
	}
}
