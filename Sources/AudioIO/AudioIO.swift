// AudioIO module: see Package.swift for the layout.
