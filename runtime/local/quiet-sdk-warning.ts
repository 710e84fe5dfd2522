// The SDK warns on every start that later releases need Node 22; the version is pinned by the lock file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
