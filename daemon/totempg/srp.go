package totempg

import (
	"errors"

	"github.com/gorosync/gorosync/wire"
)

// Guarantee is the totem delivery guarantee a message asks for.
type Guarantee int

const (
	Agreed Guarantee = 0 // TOTEMPG_AGREED
	Safe   Guarantee = 1 // TOTEMPG_SAFE
)

// SRP is what totempg needs from the totemsrp engine.
type SRP interface {
	// Mcast queues one totempg packet for multicast in an MCAST of its own
	// (totemsrp_mcast). packet is only valid during the call.
	Mcast(packet []byte, g Guarantee) error
	// Avail is the number of free entries in the new-message queue that is in
	// use (totemsrp_avail; the transitional queue while waiting for trans ack).
	Avail() int
}

// ErrTryAgain means the totemsrp queue has no room for the message now
// (CS_ERR_TRY_AGAIN to the caller); retry after the token has gone round.
var ErrTryAgain = errors.New("totempg: queue full, try again")

// ErrTooBig means the message can never be queued (over totempg_size_limit).
var ErrTooBig = errors.New("totempg: message too large")

// ConfigurationType says whether a configuration change is transitional or regular.
type ConfigurationType int

const (
	ConfigurationRegular      ConfigurationType = 0 // TOTEM_CONFIGURATION_REGULAR
	ConfigurationTransitional ConfigurationType = 1 // TOTEM_CONFIGURATION_TRANSITIONAL
)

func (t ConfigurationType) String() string {
	if t == ConfigurationRegular {
		return "REGULAR"
	}
	return "TRANSITIONAL"
}

// ConfChg is one totem configuration change.
type ConfChg struct {
	Type    ConfigurationType
	Members []uint32
	Left    []uint32
	Joined  []uint32
	RingID  wire.RingID
}
