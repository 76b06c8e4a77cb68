/**
 * Text control messages carried after key-method 2: recognition of client messages and
 * builders for server messages (PUSH_REPLY with continuation, AUTH_FAILED, RESTART, HALT...).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.portcullis.protocol.message;
