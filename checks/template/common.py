"""Names the 90xx rules share."""

#: cfn-lint's word for info; a match may carry it to report below its rule's severity
#: (read by tmpllint's engine; plain cfn-lint shows the rule's severity).
INFORMATIONAL = "informational"

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SAM_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
BODY_METHODS = {"POST", "PUT", "PATCH"}

#: At most this many routes are listed in one message.
MAX_LISTED_ROUTES = 6
