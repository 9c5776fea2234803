package benchmarks

// BackupParams are the parameters of the BAK- checks.
type BackupParams struct{}

func defaultBackupParams() BackupParams { return BackupParams{} }

// backupChecks returns the BAK- checks: backups and disaster recovery.
func backupChecks() []Check {
	return []Check{}
}
