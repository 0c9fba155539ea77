/** A strict JSON reader and writer for the runtime's file formats. */
package strata.runtime.json;
