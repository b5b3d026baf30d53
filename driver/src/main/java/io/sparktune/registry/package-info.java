/** The model registry: numbered model versions with lineage and movable aliases on any Hadoop URI. */
package io.sparktune.registry;
