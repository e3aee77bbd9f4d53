# Customer-managed keys. Rotation is on for all of them; the key policies keep administration with
# the account and let only the services that need a key use it.

locals {
  account_admin_statement = {
    Sid       = "AccountAdministration"
    Effect    = "Allow"
    Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }
}

resource "aws_kms_key" "imaging" {
  description             = "Encrypts PACS images (CBCT, panoramic, bitewing) and their backups"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_admin_statement]
  })
  tags = local.phi_tags
}

resource "aws_kms_alias" "imaging" {
  name          = "alias/${local.name_prefix}-imaging"
  target_key_id = aws_kms_key.imaging.key_id
}

resource "aws_kms_key" "imaging_dr" {
  provider = aws.dr

  description             = "Encrypts backup copies of PACS images in the DR region"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_admin_statement]
  })
  tags = local.phi_tags
}

resource "aws_kms_key" "audit" {
  description             = "Encrypts the CloudTrail audit trail"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.account_admin_statement,
      {
        Sid       = "CloudTrailEncrypt"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          StringLike = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:aws:cloudtrail:*:${local.account_id}:trail/*" }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "audit" {
  name          = "alias/${local.name_prefix}-audit"
  target_key_id = aws_kms_key.audit.key_id
}
