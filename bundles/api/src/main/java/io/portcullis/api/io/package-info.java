/**
 * I/O threads one plugin lends another, so that a packet and the reply to it are handled on one
 * thread.
 */
@Export
@Version("1.0.0")
package io.portcullis.api.io;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
