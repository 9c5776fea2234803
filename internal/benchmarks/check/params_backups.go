package check

import (
	"time"
)

// BackupParams are the parameters of the BAK- checks.
type BackupParams struct {
	// StorageLocationValidationMaxAge is the oldest a BackupStorageLocation's last successful
	// validation may be (BAK-001). Velero validates every minute by default, so an older
	// validation means validation is switched off or the server is not running.
	StorageLocationValidationMaxAge time.Duration
	// EtcdBackupSelector is a label selector, in kubectl syntax, that marks the CronJobs taking
	// etcd snapshots (BAK-006).
	EtcdBackupSelector string
	// EtcdBackupNamePatterns are wildcard patterns (* matches any run of characters) of CronJob
	// names that take etcd snapshots, for CronJobs without the label (BAK-006).
	EtcdBackupNamePatterns []string
	// ProvisionerAllowlist, when not empty, lists the wildcard patterns of the only storage
	// provisioners production data may use (BAK-008).
	ProvisionerAllowlist []string
	// ProvisionerDenylist lists wildcard patterns of provisioners that keep data on a single
	// node's disk, which is not production-ready storage (BAK-008).
	ProvisionerDenylist []string
}

func defaultBackupParams() BackupParams {
	return BackupParams{
		StorageLocationValidationMaxAge: 24 * time.Hour,
		EtcdBackupSelector:              "app.kubernetes.io/component=etcd-backup",
		EtcdBackupNamePatterns:          []string{"*etcd*backup*", "*etcd*snapshot*", "*backup*etcd*", "*snapshot*etcd*"},
		ProvisionerDenylist: []string{
			"kubernetes.io/no-provisioner", "kubernetes.io/host-path", "*local-path*", "*hostpath*",
			"openebs.io/local", "*local-volume-provisioner*",
		},
	}
}
