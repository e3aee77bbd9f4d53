# AWS Backup for the PACS archive: a KMS-encrypted vault with Vault Lock, a daily plan, and a copy
# of every recovery point in a second vault in the DR region.

resource "aws_backup_vault" "imaging" {
  name        = "${local.name_prefix}-imaging"
  kms_key_arn = aws_kms_key.imaging.arn
  tags        = local.phi_tags
}

resource "aws_backup_vault_lock_configuration" "imaging" {
  backup_vault_name   = aws_backup_vault.imaging.name
  min_retention_days  = 35
  max_retention_days  = 3650
  changeable_for_days = 3
}

resource "aws_backup_vault" "imaging_dr" {
  provider = aws.dr

  name        = "${local.name_prefix}-imaging-dr"
  kms_key_arn = aws_kms_key.imaging_dr.arn
  tags        = local.phi_tags
}

resource "aws_backup_vault_lock_configuration" "imaging_dr" {
  provider = aws.dr

  backup_vault_name   = aws_backup_vault.imaging_dr.name
  min_retention_days  = 35
  max_retention_days  = 3650
  changeable_for_days = 3
}

resource "aws_backup_plan" "imaging" {
  name = "${local.name_prefix}-imaging-daily"

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.imaging.name
    schedule          = "cron(0 5 * * ? *)"
    start_window      = 60
    completion_window = 720

    lifecycle {
      delete_after = var.backup_retention_days
    }

    copy_action {
      destination_vault_arn = aws_backup_vault.imaging_dr.arn

      lifecycle {
        delete_after = var.backup_retention_days
      }
    }
  }

  tags = local.phi_tags
}

resource "aws_iam_role" "backup" {
  name = "${local.name_prefix}-backup"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "backup.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "backup" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
}

resource "aws_iam_role_policy_attachment" "backup_s3" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"
}

resource "aws_backup_selection" "pacs" {
  name         = "pacs-images"
  plan_id      = aws_backup_plan.imaging.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [module.pacs_images.bucket_arn]
}
