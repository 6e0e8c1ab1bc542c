/// The StormDrill release this build is.
public enum StormDrillVersion {
    public static let current = "0.1.0"
}
