/// The systemd catalog message IDs the analysis recognises (`src/systemd/sd-messages.h`).
public enum MessageIDs {
    public static let restartScheduled = "5eb03494b6584870a536b337290809b3"
    public static let processExited = "98e322203f7a4ed290d09fe03c09fe15"
    public static let unitFailed = "d9b373ed55a64feb8242e02dbe79a49c"
    public static let unitStarted = "39f53479d3a045ac8e11786248231fbf"
    public static let unitFailedToStart = "be02cf6855d2428ba40df7e9d022f03d"
    public static let unitStarting = "7d4958e842da4a758f6c1cdc7b36dcc5"
    public static let unitStopping = "de5b426a63be47a7b6ac3eaac82e2f6f"
    public static let unitStopped = "9d1aaa27d60140bd96365438aad20286"
    public static let unitDeactivated = "7ad2d189f7e94e70a38c781354912448"
    public static let unitOOM = "fe6faa94e7774663a0da52717891d8ef"
    public static let oomdKill = "d989611b15e44c9dbf31e3c81256e4ed"
    public static let unitResources = "ae8f7b866b0347b9af31fe1c80b127c0"
    public static let suppressed = "a596d6fe7bfa4994828e72309e95d61e"
    public static let journalStarted = "f77379a8490b408bbe5f6940505a777b"
    public static let journalStopped = "d93fb3c9c24d451a97cea615ce59c00b"
    public static let shutdown = "98268866d1d54a499c4e98921d93bc40"
    public static let startupFinished = "b07a249cd024414a82dd00cd181378ff"
    public static let coredump = "fc2e22bc6ee647b6b90729ab34a250b1"
    /// systemd-timesyncd's first synchronisation (`Initial clock synchronization to …`).
    public static let timeSync = "7c8a41f37b764941a0e1780b1be2f037"
    /// The wall clock set by hand or by timedated (`Time change`).
    public static let timeChange = "c7a787079b354eaaa9e77b371893cd27"
    /// timesyncd moving a clock behind its build time forward at start (`Time initial bump`).
    public static let timeBump = "7db73c8af0d94eeb822ae04323fe6ab6"
}
