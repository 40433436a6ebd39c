"use strict";
exports.id = 94;
exports.ids = [94];
exports.modules = {

/***/ 2094:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createIamClient: () => (/* binding */ createIamClient),
/* harmony export */   lookUpRole: () => (/* binding */ lookUpRole)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6764);
/* harmony import */ var _aws_error__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6661);
/**
 * IAM, read only to explain a failure or check a limit. Loaded with a dynamic import, so a step that
 * succeeds without it never pays for the IAM client.
 */


function createIamClient(region, endpoint, signer) {
    return new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_1__/* .IAMClient */ .h8v({
        region,
        maxAttempts: 1,
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(signer === undefined ? {} : { credentials: signer }),
    });
}
/** iam:GetRole, best effort: never throws. */
async function lookUpRole(client, roleArn) {
    const roleName = roleArn.split('/').pop() ?? roleArn;
    try {
        const out = await client.send(new _aws_sdk_client_iam__WEBPACK_IMPORTED_MODULE_1__/* .GetRoleCommand */ .kbp({ RoleName: roleName }));
        const document = out.Role?.AssumeRolePolicyDocument;
        return {
            found: true,
            maxSessionDuration: out.Role?.MaxSessionDuration ?? 3600,
            trustPolicy: document ? parseDocument(document) : undefined,
        };
    }
    catch (error) {
        const detail = (0,_aws_error__WEBPACK_IMPORTED_MODULE_0__/* .classifyAwsError */ .u)(error);
        if (detail.code === 'NoSuchEntity' || detail.code === 'NoSuchEntityException')
            return { found: false };
        return { unknown: `iam:GetRole failed: ${detail.code}` };
    }
}
/** IAM returns policy documents URL-encoded. */
function parseDocument(document) {
    try {
        return JSON.parse(decodeURIComponent(document));
    }
    catch {
        try {
            return JSON.parse(document);
        }
        catch {
            return undefined;
        }
    }
}


/***/ })

};
;