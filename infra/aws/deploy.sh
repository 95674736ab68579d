#!/usr/bin/env bash
# Deploys gqld to AWS with one command (infra/aws/README.md):
#
#   infra/aws/deploy.sh STACK_NAME ARTIFACT_BUCKET [Parameter=Value ...]
#
# Builds the Lambda package from this checkout (infra/docker/build.sh lambda, on
# Debian 12 like the rest of the build), uploads it to ARTIFACT_BUCKET with
# `aws cloudformation package`, and creates or updates the stack from
# infra/aws/gqld.yaml with the given parameter overrides. Needs the AWS CLI v2
# and credentials allowed to create the stack's resources (CAPABILITY_IAM).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)

if (($# < 2)); then
    sed -n '2,11p' "${BASH_SOURCE[0]}" >&2
    exit 2
fi
stack=$1
bucket=$2
shift 2

mkdir -p "$here/.build"
BUILD_DIR=${BUILD_DIR:-$root/build-release} "$root/infra/docker/build.sh" lambda "$here/.build/gqld-lambda.zip"
aws cloudformation package --template-file "$here/gqld.yaml" --s3-bucket "$bucket" \
    --output-template-file "$here/.build/packaged.yaml"
overrides=()
(($# > 0)) && overrides=(--parameter-overrides "$@")
aws cloudformation deploy --template-file "$here/.build/packaged.yaml" --stack-name "$stack" \
    --capabilities CAPABILITY_IAM "${overrides[@]}"
aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output table
