"use strict";
exports.id = 49;
exports.ids = [49];
exports.modules = {

/***/ 2049:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   BucketError: () => (/* binding */ BucketError),
/* harmony export */   createS3Client: () => (/* binding */ createS3Client),
/* harmony export */   listObjects: () => (/* binding */ listObjects)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3711);
/* harmony import */ var _aws_error__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6661);
/**
 * S3, for the access gate: one ListObjectsV2 with the new credentials. Loaded with a dynamic import, so
 * a step without verify-bucket never pays for the S3 client.
 */


/** A failed listing: the classified error, plus the bucket's real region when S3 told it. */
class BucketError extends _aws_error__WEBPACK_IMPORTED_MODULE_0__/* .AwsCallError */ .i {
    bucketRegion;
    name = 'BucketError';
    constructor(error, bucketRegion) {
        super(error.operation, error.detail, error.message);
        this.bucketRegion = bucketRegion;
    }
}
function createS3Client(region, endpoint, credentials) {
    return new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_1__/* .S3Client */ .YxF({
        region,
        credentials,
        // Other S3s (moto, MinIO, Ceph) are addressed by path: their hosts have no per-bucket DNS.
        ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    });
}
async function listObjects(client, request) {
    try {
        const out = await client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_1__/* .ListObjectsV2Command */ .u6x({
            Bucket: request.bucket,
            MaxKeys: request.maxKeys,
            ...(request.prefix === '' ? {} : { Prefix: request.prefix }),
        }));
        return {
            objects: (out.Contents ?? []).map((item) => ({
                key: item.Key ?? '',
                size: item.Size ?? 0,
                etag: item.ETag ?? '',
            })),
            truncated: out.IsTruncated === true,
        };
    }
    catch (error) {
        const detail = (0,_aws_error__WEBPACK_IMPORTED_MODULE_0__/* .classifyAwsError */ .u)(error);
        const wrapped = new _aws_error__WEBPACK_IMPORTED_MODULE_0__/* .AwsCallError */ .i('ListObjectsV2', detail, `${detail.code}: ${detail.message}`);
        throw new BucketError(wrapped, bucketRegionOf(error));
    }
}
/** S3 names a bucket's region in the x-amz-bucket-region header of a redirect or a refusal. */
function bucketRegionOf(error) {
    const response = error
        ?.$response;
    const region = response?.headers?.['x-amz-bucket-region'];
    return typeof region === 'string' && region !== '' ? region : undefined;
}


/***/ })

};
;