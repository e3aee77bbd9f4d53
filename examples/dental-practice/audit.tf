# CloudTrail: one multi-region trail, log file validation on, encrypted with the audit key, with
# S3 data events for the PACS bucket so every image read and write is recorded.

resource "aws_cloudtrail" "audit" {
  name                          = "${local.name_prefix}-audit"
  s3_bucket_name                = aws_s3_bucket.logs.id
  s3_key_prefix                 = "cloudtrail"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.audit.arn

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type   = "AWS::S3::Object"
      values = ["${module.pacs_images.bucket_arn}/"]
    }
  }

  depends_on = [aws_s3_bucket_policy.logs]
}
