import Foundation
import Testing
@testable import AudioIO

/// Each broken input gives its own error, and every message names the file.
@Suite struct BadInputTests {
    @Test func missingFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("absent.wav")
        #expect(throws: AudioIOError.fileNotFound(path: url.path)) { try Audio(contentsOf: url) }
        #expect(throws: AudioIOError.fileNotFound(path: url.path)) { try AudioFileInfo(contentsOf: url) }
    }

    @Test func zeroByteFileIsUnreadable() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("zero.wav")
        try Data().write(to: url)
        #expect(throws: AudioIOError.unreadable(path: url.path, reason: "the file is 0 bytes long")) {
            try Audio(contentsOf: url)
        }
    }

    @Test func textFileRenamedWavIsUnreadableWithLibsndfileReason() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("notes.wav")
        try Data("These are not audio samples, just some text.\n".utf8).write(to: url)
        let error = #expect(throws: AudioIOError.self) { try Audio(contentsOf: url) }
        guard case .unreadable(let path, let reason)? = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(path == url.path)
        #expect(!reason.isEmpty)
        #expect(error?.description.contains(url.path) == true)
    }

    @Test func directoryIsUnreadable() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: AudioIOError.unreadable(path: directory.url.path, reason: "it is a directory")) {
            try Audio(contentsOf: directory.url)
        }
    }

    /// A WAV cut in the middle of its data: the header says 1000 frames, 500 are present.
    @Test func truncatedWAVIsAnError() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("cut.wav")
        _ = try Audio(samples: [Float](repeating: 0.25, count: 1000), sampleRate: 16000).writeWAV(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 44 + 1000)
        try handle.close()
        let expected = AudioIOError.truncated(path: url.path, declaredFrames: 1000, availableFrames: 500)
        #expect(throws: expected) { try Audio(contentsOf: url) }
        #expect(throws: expected) { try AudioFileInfo(contentsOf: url) }
        #expect(expected.description.contains(url.path) && expected.description.contains("1000"))
    }

    /// A FLAC whose frames stop early is caught by comparing decoded frames with the header.
    @Test func truncatedFLACIsAnError() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("cut.flac")
        let samples = sine(frequency: 440, sampleRate: 16000, count: 32000)
        try Fixture.writeFloats(samples, channels: 1, sampleRate: 16000, format: SF_FORMAT_FLAC_PCM16, to: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64 ?? 0
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: size / 2)
        try handle.close()
        let error = #expect(throws: AudioIOError.self) { try Audio(contentsOf: url) }
        guard case .truncated(let path, let declared, let available)? = error else {
            Issue.record("expected truncated, got \(String(describing: error))")
            return
        }
        #expect(path == url.path && declared == 32000 && available < 32000)
    }

    @Test func nanAndInfInFloatWAVAreCounted() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("nan.wav")
        let samples: [Float] = [0, .nan, 0.5, .infinity, -.infinity, 0.1, .nan]
        try Fixture.writeFloats(samples, channels: 1, sampleRate: 16000, format: SF_FORMAT_WAV_FLOAT, to: url)
        let expected = AudioIOError.nonFiniteSamples(path: url.path, count: 4)
        #expect(throws: expected) { try Audio(contentsOf: url) }
        #expect(expected.description == "\(url.path): 4 samples are NaN or infinite")
    }

    @Test func zeroLengthWAVIsEmpty() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("empty.wav")
        _ = try Audio(samples: [], sampleRate: 16000).writeWAV(to: url)
        #expect(throws: AudioIOError.empty(path: url.path)) { try Audio(contentsOf: url) }
        #expect(throws: AudioIOError.empty(path: url.path)) { try AudioFileInfo(contentsOf: url) }
    }

    @Test func everyMessageNamesThePath() {
        let path = "/some/where/file.wav"
        let errors: [AudioIOError] = [
            .fileNotFound(path: path), .unreadable(path: path, reason: "r"), .empty(path: path),
            .truncated(path: path, declaredFrames: 2, availableFrames: 1),
            .nonFiniteSamples(path: path, count: 1), .unsupported(path: path, reason: "r"),
            .cannotWrite(path: path, reason: "r"),
        ]
        for error in errors {
            #expect(error.description.hasPrefix(path + ": "), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }
}

import CSndFile
private let SF_FORMAT_FLAC_PCM16 = SF_FORMAT_FLAC | SF_FORMAT_PCM_16
private let SF_FORMAT_WAV_FLOAT = SF_FORMAT_WAV | SF_FORMAT_FLOAT
