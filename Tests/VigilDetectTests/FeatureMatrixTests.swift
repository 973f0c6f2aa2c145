import Testing
@testable import VigilDetect

@Suite struct FeatureMatrixTests {
    @Test func rowsAreStoredRowMajorAndPickedInOrder() {
        let matrix = FeatureMatrix(rows: [[1, 2], [3, 4], [5, 6]])
        #expect(matrix.rowCount == 3 && matrix.columnCount == 2)
        #expect(matrix[1, 0] == 3 && matrix[2, 1] == 6)
        #expect(matrix.rows([2, 0]).values == [5, 6, 1, 2])
    }
}
