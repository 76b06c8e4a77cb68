@Export
@Version("1.2.0")
package io.portcullis.api.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
