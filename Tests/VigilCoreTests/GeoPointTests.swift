import Testing
import VigilCore

@Suite struct GeoPointTests {
    @Test func haversineKnownDistances() {
        let paris = GeoPoint(latitude: 48.8566, longitude: 2.3522)
        let london = GeoPoint(latitude: 51.5074, longitude: -0.1278)
        #expect(abs(paris.distanceKm(to: london) - 343.5) < 1.5)
        let ny = GeoPoint(latitude: 40.7128, longitude: -74.0060)
        let la = GeoPoint(latitude: 34.0522, longitude: -118.2437)
        #expect(abs(ny.distanceKm(to: la) - 3936) < 10)
        #expect(paris.distanceKm(to: paris) == 0)
    }

    @Test func validity() {
        #expect(GeoPoint(latitude: 91, longitude: 0).isValid == false)
        #expect(GeoPoint(latitude: 0, longitude: .nan).isValid == false)
        #expect(GeoPoint(latitude: -33.9, longitude: 151.2).isValid)
    }
}
