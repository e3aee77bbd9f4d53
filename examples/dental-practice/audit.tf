# CloudTrail: one multi-region trail, log file validation on, encrypted with the audit key, with
# management events, S3 data events for the PACS bucket and HealthImaging data events for every data
# store, so every image read and write is recorded. HealthImaging data events can only be selected
# with advanced event selectors, and a trail uses either those or the classic ones.

resource "aws_cloudtrail" "audit" {
  name                          = "${local.name_prefix}-audit"
  s3_bucket_name                = aws_s3_bucket.logs.id
  s3_key_prefix                 = "cloudtrail"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.audit.arn

  advanced_event_selector {
    name = "Management events"
    field_selector {
      field  = "eventCategory"
      equals = ["Management"]
    }
  }

  advanced_event_selector {
    name = "PACS bucket object reads and writes"
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field  = "resources.type"
      equals = ["AWS::S3::Object"]
    }
    field_selector {
      field       = "resources.ARN"
      starts_with = ["${module.pacs_images.bucket_arn}/"]
    }
  }

  advanced_event_selector {
    name = "HealthImaging data store reads and writes"
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field  = "resources.type"
      equals = ["AWS::MedicalImaging::Datastore"]
    }
  }

  depends_on = [aws_s3_bucket_policy.logs]
}
