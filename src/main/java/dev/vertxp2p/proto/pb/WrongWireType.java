package dev.vertxp2p.proto.pb;

import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.WireFormat;

/**
 * The one check on wire types that the parsers protoc generates leave to us. A field whose number
 * the schema knows but which comes with another wire type (say {@code identity_key} as a varint)
 * does not fail their parse: they keep it among the unknown fields. Our codecs reject it, as the
 * sender broke the schema; this finds it.
 *
 * <p>The other classes of this package are generated from {@code src/main/proto} at build time.
 */
public final class WrongWireType {
  /** What {@link #of} answers when the field came only with its declared wire type, or not at all. */
  public static final int NONE = -1;

  private WrongWireType() {}

  /**
   * The wire type {@code field} came with among {@code unknown}, or {@link #NONE}. Call it only for
   * numbers the schema declares: for those, anything in the unknown set has the wrong wire type.
   */
  public static int of(UnknownFieldSet unknown, int field) {
    if (!unknown.hasField(field)) {
      return NONE;
    }
    UnknownFieldSet.Field f = unknown.getField(field);
    if (!f.getVarintList().isEmpty()) {
      return WireFormat.WIRETYPE_VARINT;
    }
    if (!f.getFixed64List().isEmpty()) {
      return WireFormat.WIRETYPE_FIXED64;
    }
    if (!f.getLengthDelimitedList().isEmpty()) {
      return WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }
    if (!f.getGroupList().isEmpty()) {
      return WireFormat.WIRETYPE_START_GROUP;
    }
    if (!f.getFixed32List().isEmpty()) {
      return WireFormat.WIRETYPE_FIXED32;
    }
    return NONE;
  }
}
