@Export
@Version("1.3.0")
package io.portcullis.api.routing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
