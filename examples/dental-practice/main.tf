# Bright Smile Dental: a small dental practice's imaging estate on AWS.
#
# This is a pacscan demo. Most of it follows the HIPAA Security Rule safeguards pacscan checks;
# a few resources are deliberately weak so the scan has something to find (see README.md).
# There is no backend: state would be local. Nothing here has ever been applied.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      practice   = var.practice
      managed-by = "terraform"
    }
  }
}

# Disaster-recovery region: backup copies land here.
provider "aws" {
  alias  = "dr"
  region = var.dr_region

  default_tags {
    tags = {
      practice   = var.practice
      managed-by = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  name_prefix = "${var.practice}-${var.environment}"
  phi_tags = {
    data-classification = "phi"
  }
}
