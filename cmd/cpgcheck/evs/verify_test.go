package evs

import (
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"
)

// goodRun writes the logs of a clean run: A, B, C in one configuration,
// C dies, A and B go on; every line made as cpgcheck makes it.
func goodRun() map[string]*strings.Builder {
	a, b, c := Proc{1, 11}, Proc{2, 22}, Proc{3, 33}
	logs := map[string]*strings.Builder{"a": {}, "b": {}, "c": {}}
	who := map[string]Proc{"a": a, "b": b, "c": c}
	for n, p := range who {
		fmt.Fprintf(logs[n], "P %d %d\n%s\n", p.NodeID, p.PID, FormatMembers([]Proc{a, b, c}))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seq := map[Proc]uint64{}
	deliver := func(to []string, from Proc) {
		seq[from]++
		m := Msg{NodeID: from.NodeID, PID: from.PID, Seq: seq[from], Payload: Payload(rng, seq[from])}
		h, err := Decode(m.Encode())
		if err != nil {
			panic(err)
		}
		for _, n := range to {
			fmt.Fprintf(logs[n], "D %d %d %d %d %d %d %d %d %d\n", from.NodeID, from.PID, h.NodeID, h.PID, h.Seq, h.Len, h.CRC, h.CRCGot, h.PayloadGotSize)
		}
	}
	for range 10 {
		deliver([]string{"a", "b", "c"}, a)
		deliver([]string{"a", "b", "c"}, c)
		deliver([]string{"a", "b", "c"}, b)
	}
	// C is killed: its last message reached only A and B.
	deliver([]string{"a", "b"}, c)
	fmt.Fprintf(logs["c"], "S %d\nX dispatch: socket is not connected\n", seq[c])
	for _, n := range []string{"a", "b"} {
		fmt.Fprintln(logs[n], FormatMembers([]Proc{a, b}))
	}
	for range 10 {
		deliver([]string{"a", "b"}, b)
		deliver([]string{"a", "b"}, a)
	}
	fmt.Fprintf(logs["a"], "S %d\nE\n", seq[a])
	fmt.Fprintf(logs["b"], "S %d\nE\n", seq[b])
	return logs
}

func verifyText(t *testing.T, texts map[string]string) *Report {
	t.Helper()
	var logs []*Log
	for _, n := range []string{"a", "b", "c"} {
		l, err := ParseLog(n, strings.NewReader(texts[n]))
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, l)
	}
	return Verify(logs)
}

func texts() map[string]string {
	out := map[string]string{}
	for n, b := range goodRun() {
		out[n] = b.String()
	}
	return out
}

func TestVerifyCleanRun(t *testing.T) {
	r := verifyText(t, texts())
	if r.Total() != 0 {
		t.Fatalf("clean run: %v", r.Violations)
	}
	if r.Configs != 2 || r.Views != 5 || r.Delivered["a"] != 51 || r.Delivered["c"] != 30 || r.Sent["a"] != 20 {
		t.Errorf("counts: %s %+v", r.Summary(), r)
	}
}

// dLines returns the indices of b's D lines.
func dLines(lines []string) []int {
	var out []int
	for i, l := range lines {
		if strings.HasPrefix(l, "D ") {
			out = append(out, i)
		}
	}
	return out
}

func TestVerifyFindsEachViolation(t *testing.T) {
	cases := []struct {
		name, kind string
		edit       func(lines []string) []string
	}{
		{"crc", Corrupt, func(ls []string) []string {
			i := dLines(ls)[5]
			f := strings.Fields(ls[i])
			f[8] = fmt.Sprint(crc32.ChecksumIEEE([]byte("flipped")))
			ls[i] = strings.Join(f, " ")
			return ls
		}},
		{"truncated", Corrupt, func(ls []string) []string {
			i := dLines(ls)[7]
			f := strings.Fields(ls[i])
			f[9] = "3"
			ls[i] = strings.Join(f, " ")
			return ls
		}},
		{"foreign", Corrupt, func(ls []string) []string {
			ls[dLines(ls)[2]] = "B 1 11 7"
			return ls
		}},
		{"swap-same-sender", Reordered, func(ls []string) []string {
			d := dLines(ls)
			ls[d[0]], ls[d[3]] = ls[d[3]], ls[d[0]] // A seq 1 and A seq 2
			return ls
		}},
		{"duplicate", Duplicate, func(ls []string) []string {
			d := dLines(ls)
			return append(ls[:d[4]+1], append([]string{ls[d[4]]}, ls[d[4]+1:]...)...)
		}},
		{"lost", Lost, func(ls []string) []string {
			d := dLines(ls)
			return append(ls[:d[40]], ls[d[40]+1:]...) // one of B's, after C left
		}},
		{"lost-tail", Lost, func(ls []string) []string {
			d := dLines(ls)
			return append(ls[:d[len(d)-1]], ls[d[len(d)-1]+1:]...) // A's last, before B exits
		}},
		{"swap-senders", Divergent, func(ls []string) []string {
			d := dLines(ls)
			ls[d[0]], ls[d[1]] = ls[d[1]], ls[d[0]] // A 1 and C 1: agreed order broken
			return ls
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := texts()
			in["b"] = strings.Join(c.edit(strings.Split(in["b"], "\n")), "\n")
			r := verifyText(t, in)
			if r.Counts[c.kind] == 0 {
				t.Fatalf("no %s violation reported; got %v", c.kind, r.Violations)
			}
			t.Logf("%s", r.Violations)
		})
	}
}

// The weak check across a split: A and C end in different configurations,
// so a different set is allowed, but not a different order.
func TestVerifyOrderAcrossSplit(t *testing.T) {
	in := texts()
	ls := strings.Split(in["c"], "\n")
	d := dLines(ls)
	ls[d[0]], ls[d[1]] = ls[d[1]], ls[d[0]]
	in["c"] = strings.Join(ls, "\n")
	r := verifyText(t, in)
	if r.Counts[OrderDiff] == 0 {
		t.Fatalf("no order violation; got %v", r.Violations)
	}
}

// A checker whose join reached the ring after another member had sent
// everything owes none of it; one that joined after it owes all of it.
func TestVerifyLateJoiner(t *testing.T) {
	in := texts()
	a, b, d := Proc{1, 11}, Proc{2, 22}, Proc{4, 44}
	// D joins once A and B are done sending; it hears nothing and leaves.
	late := fmt.Sprintf("P 4 44\n%s\nS 0\nE\n", FormatMembers([]Proc{a, b, d}))
	logs := func(dlog string) []*Log {
		var out []*Log
		for n, s := range map[string]string{"a": in["a"], "b": in["b"], "c": in["c"], "d": dlog} {
			l, err := ParseLog(n, strings.NewReader(s))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
		return out
	}
	if r := Verify(logs(late)); r.Total() != 0 {
		t.Fatalf("late joiner: %v", r.Violations)
	}
	// D sent one message and never got it back.
	if r := Verify(logs(strings.Replace(late, "S 0", "S 1", 1))); r.Counts[Lost] == 0 {
		t.Fatalf("D's own message undelivered, yet no loss: %v", r.Violations)
	}
	// Now A and B join after D, and D still hears nothing of them.
	first := fmt.Sprintf("P 4 44\n%s\n%s\nS 0\nE\n", FormatMembers([]Proc{d}), FormatMembers([]Proc{a, b, d}))
	if r := Verify(logs(first)); r.Counts[Lost] == 0 {
		t.Fatalf("members that joined after D sent to none of its deliveries, yet no loss: %v", r.Violations)
	}
}

func TestParseLogRejectsGarbage(t *testing.T) {
	for _, s := range []string{"D 1 2 3\n", "Q\n", "C 1-2\n", "S x\n"} {
		if _, err := ParseLog("g", strings.NewReader(s)); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
}
