/** The relay's operations: backups (README "Backup and restore"). */
export { BackupRefused, backupSqliteDatabase, type SqliteBackupResult } from './sqlite-backup.js';
