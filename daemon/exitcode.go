package daemon

// Exit statuses of the corosync process (exec/util.h enum e_corosync_done).
const (
	DoneExit              = 0
	DoneFork              = 4
	DoneLogConfigRead     = 7
	DoneMainConfigRead    = 8
	DoneLogSetup          = 9
	DoneICMap             = 12
	DoneInitServices      = 13
	DoneFatalErr          = 15
	DoneDirNotPresent     = 16
	DoneAcquireLock       = 17
	DoneAlreadyRunning    = 18
	DoneStdToNullRedir    = 19
	DoneServiceEngineInit = 20
	DoneStoreRingID       = 21
	DoneStats             = 22
	DonePload             = 99
)
