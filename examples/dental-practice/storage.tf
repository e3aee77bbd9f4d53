# Image storage: the PACS archive (through the local imaging-bucket module), the log bucket,
# and a deliberately weak legacy export bucket.

module "pacs_images" {
  source = "./modules/imaging-bucket"

  name           = "${local.name_prefix}-pacs-images"
  kms_key_arn    = aws_kms_key.imaging.arn
  log_bucket     = aws_s3_bucket.logs.id
  retention_days = var.pacs_retention_days

  vpc_endpoint_id = aws_vpc_endpoint.s3.id
  exempt_principal_arns = [
    aws_iam_role.backup.arn,
    aws_iam_role.msp_admin.arn,
  ]

  tags = merge(local.phi_tags, {
    workload = "pacs"
    contents = "cbct-panoramic-bitewing"
  })
}

# ---------------------------------------------------------------------------------------------
# Log bucket: S3 server access logs, VPC flow logs, ALB access logs and CloudTrail.
# S3 server access logging and ALB access logging only deliver to SSE-S3 buckets, hence AES256.
# ---------------------------------------------------------------------------------------------

locals {
  logs_bucket = "${local.name_prefix}-logs"
  # Written from the name (not aws_s3_bucket.logs.arn) so the policy is readable before apply.
  logs_arn = "arn:aws:s3:::${local.logs_bucket}"
}

resource "aws_s3_bucket" "logs" {
  bucket = local.logs_bucket
  tags = {
    data-classification = "audit"
    workload            = "logging"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket = aws_s3_bucket.logs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "keep-audit-logs-seven-years"
    status = "Enabled"

    filter {}

    transition {
      days          = 90
      storage_class = "GLACIER_IR"
    }

    expiration {
      days = 2555
    }

    noncurrent_version_expiration {
      noncurrent_days = 2555
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.logs_arn, "${local.logs_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "S3ServerAccessLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.logs_arn}/s3-access/*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        Sid       = "LogDeliveryAclCheck"
        Effect    = "Allow"
        Principal = { Service = ["delivery.logs.amazonaws.com", "cloudtrail.amazonaws.com"] }
        Action    = "s3:GetBucketAcl"
        Resource  = local.logs_arn
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        Sid       = "VpcFlowLogs"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.logs_arn}/vpc-flow-logs/AWSLogs/${local.account_id}/*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        Sid       = "CloudTrail"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.logs_arn}/cloudtrail/AWSLogs/${local.account_id}/*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        Sid       = "AlbAccessLogs"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::127311923021:root" } # Elastic Load Balancing, us-east-1
        Action    = "s3:PutObject"
        Resource  = "${local.logs_arn}/alb/AWSLogs/${local.account_id}/*"
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

# ---------------------------------------------------------------------------------------------
# DELIBERATELY WEAK: "legacy-exports" is where the old practice-management system dropped image
# exports for referrals. It holds PHI but declares no encryption, no versioning, no access
# logging and no TLS-only policy, and its lifecycle rule deletes exports after 90 days.
# pacscan should flag it; do not copy it.
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "legacy_exports" {
  bucket = "${local.name_prefix}-legacy-exports"
  tags = merge(local.phi_tags, {
    workload = "referral-exports"
  })
}

resource "aws_s3_bucket_public_access_block" "legacy_exports" {
  bucket = aws_s3_bucket.legacy_exports.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "legacy_exports" {
  bucket = aws_s3_bucket.legacy_exports.id

  rule {
    id     = "expire-exports"
    status = "Enabled"

    filter {}

    expiration {
      days = 90
    }
  }
}
