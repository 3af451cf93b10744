"""tmpllint: lint AWS CloudFormation and SAM templates against AWS best practices."""

__version__ = "0.1.0"
