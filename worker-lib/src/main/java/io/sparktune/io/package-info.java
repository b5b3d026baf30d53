/** File access on any Hadoop FileSystem URI and JSON output. */
package io.sparktune.io;
