package wire

import (
	"strings"
	"testing"
)

func TestVotequorumNames(t *testing.T) {
	reg, _ := (&VotequorumQdeviceReg{Name: "q"}).Append(nil)
	for i := 20; i < 275; i++ {
		reg[i] = 'x' // no NUL left in qdevice_name[255]
	}
	if _, err := DecodeVotequorumQdeviceReg(reg); err == nil {
		t.Error("qdevice name without NUL accepted")
	}
	if _, err := (&VotequorumQdeviceReg{Name: strings.Repeat("q", 255)}).Append(nil); err == nil {
		t.Error("255-byte qdevice name encoded")
	}
	if _, err := (&VotequorumQdeviceReconfigure{OldName: "a\x00b"}).Append(nil); err == nil {
		t.Error("qdevice name with NUL encoded")
	}
	rc, _ := (&VotequorumQdeviceReconfigure{OldName: "a", NewName: "b"}).Append(nil)
	for i := 271; i < 526; i++ {
		rc[i] = 'x'
	}
	if _, err := DecodeVotequorumQdeviceReconfigure(rc); err == nil {
		t.Error("new name without NUL accepted")
	}
	// the 254-byte maximum fits exactly with its NUL
	max := strings.Repeat("q", 254)
	b, err := (&VotequorumQdeviceReg{Name: max}).Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := DecodeVotequorumQdeviceReg(b); err != nil || m.Name != max {
		t.Errorf("254-byte name: %v", err)
	}
}
