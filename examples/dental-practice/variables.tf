variable "practice" {
  description = "Short name of the practice, used in resource names."
  type        = string
  default     = "brightsmile"
}

variable "environment" {
  description = "Deployment environment."
  type        = string
  default     = "prod"
}

variable "region" {
  description = "Primary AWS region."
  type        = string
  default     = "us-east-1"
}

variable "dr_region" {
  description = "Region holding the second (copy) backup vault."
  type        = string
  default     = "us-west-2"
}

variable "availability_zones" {
  description = "Two availability zones in the primary region."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b"]
}

variable "vpc_cidr" {
  description = "CIDR of the imaging VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "clinic_cidr" {
  description = "Private CIDR of the clinic network (reached over site-to-site VPN) where the CBCT unit, panoramic unit and sensors live."
  type        = string
  default     = "192.168.50.0/24"
}

variable "viewer_domain" {
  description = "DNS name of the DICOMweb viewer."
  type        = string
  default     = "images.brightsmile-dental.example"
}

variable "pacs_retention_days" {
  description = "Object Lock retention for images (state dental-record retention: 7 years)."
  type        = number
  default     = 2555
}

variable "backup_retention_days" {
  description = "How long AWS Backup keeps recovery points of the PACS bucket."
  type        = number
  default     = 90
}
