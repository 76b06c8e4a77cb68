/** Client-connect handlers: a check after sign-in and before authorization, allowing or denying. */
@Export
@Version("1.0.0")
package io.portcullis.api.connect;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
