/** Text as token-id sequences: the tokenisation rule and the vocabulary saved with a text model. */
package io.sparktune.text;
