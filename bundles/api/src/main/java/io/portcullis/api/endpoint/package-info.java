/** What a running endpoint offers operators' tools (the vpn:* commands). */
@Export
@Version("1.2.0")
package io.portcullis.api.endpoint;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
