# AWS HealthImaging: the practice's cloud PACS. New studies from the modality gateway are imported
# here; the S3 archive keeps the original DICOM files. The data store is encrypted with the
# practice's imaging key (customer-managed, rotation on), only the account's own roles reach it,
# and the audit trail records its data events (audit.tf).
#
# HealthImaging is managed through the AWS Cloud Control provider (awscc); it is the only resource
# here that uses it.

terraform {
  required_providers {
    awscc = {
      source  = "hashicorp/awscc"
      version = "~> 1.0"
    }
  }
}

provider "awscc" {
  region = var.region
}

resource "awscc_healthimaging_datastore" "pacs" {
  datastore_name = "${local.name_prefix}-pacs"
  kms_key_arn    = aws_kms_key.imaging.arn
  tags = merge(local.phi_tags, {
    practice = var.practice
  })
}

# The viewer reads image sets through this role (the viewer's instances assume it).
resource "aws_iam_role" "viewer" {
  name = "${local.name_prefix}-viewer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "viewer_images" {
  name = "read-image-sets"
  role = aws_iam_role.viewer.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "ReadImageSets"
      Effect = "Allow"
      Action = [
        "medical-imaging:GetImageSet",
        "medical-imaging:GetImageSetMetadata",
        "medical-imaging:GetImageFrame",
        "medical-imaging:SearchImageSets",
      ]
      Resource = [
        awscc_healthimaging_datastore.pacs.datastore_arn,
        "${awscc_healthimaging_datastore.pacs.datastore_arn}/imageset/*",
      ]
    }]
  })
}
